// The demo's self-hosted Pendo agent: what Pendo's per-key pendo.js does, with npm @pendo/agent's minified
// module build.
//
// Python loads it with load(agent_url=".../pendo-agent.mjs") (a module script, as the URL ends in .mjs), or
// the early-start script does. It adopts window.pendo and replays its call queue, like Pendo's own pendo.js.
// The agent's data host is this site: the page passes pendo_options={"dataHost": <this origin>} to load(),
// and `server` below points there too, so nothing leaves the machine.
//
// The API key: pendo.js has it in its URL; here it comes from the initialize call our package queued in
// window.pendo._q (load() passes apiKey there), or, with early start, before Python has queued anything, from
// the early-start script's data-api-key.
import { loadAgent } from "./pendo/pendo.module.min.js";

const queuedInitialize = (window.pendo?._q ?? []).find((call) => call[0] === "initialize");
const apiKey = queuedInitialize?.[1]?.apiKey ?? document.querySelector("script[data-api-key]")?.dataset.apiKey;
if (!apiKey) {
  throw new Error("pendo-agent.mjs: no API key (no queued pendo.initialize, no early-start script)");
}
const origin = new URL(import.meta.url).origin;
loadAgent({
  apiKey,
  env: "prod",
  server: origin,
  designerServer: origin,
  assetHost: origin,
  assetPath: "pendo", // the agent's own files (guide.css…) are served from /pendo/
  loadAsModule: false, // adopt window.pendo, as pendo.js does
});
