/*
 * pyodide-pendo early start: install Pendo's snippet and start loading the agent while Pyodide boots.
 *
 *   <script src="pyodide-pendo-early.js" data-api-key="YOUR_API_KEY"></script>
 *   <script src="pyodide-pendo-early.js" data-api-key="YOUR_API_KEY" data-env="eu"></script>
 *   <script src="pyodide-pendo-early.js" data-api-key="YOUR_API_KEY" data-agent-url="/pendo-agent.mjs"></script>
 *
 * Python's rudderanalytics.load() later adopts what this sets up: it finds window.pendo with its call queue
 * and the agent's <script>, initializes the agent with the visitor and account it knows, and inserts no
 * second script. This file never calls pendo.initialize itself, so the first visitor Pendo sees is the one
 * Python identifies (an initialize here would fix Pendo's own anonymous visitor first).
 *
 * Why a separate file: a plain classic script, so it runs at once, with no inline script and no eval
 * (a strict Content-Security-Policy that allows this file and the agent's origin is enough).
 * If the agent fails to load, the agent's <script> gets data-pyodide-pendo="failed", so Python reports
 * the failure at once instead of waiting for its ready timeout.
 */
(() => {
  "use strict";

  // Pendo's CDN per environment (the agent's servers.json); "jpn" is accepted for "jp", as in Python.
  const CDN_HOSTS = {
    io: "cdn.pendo.io", eu: "cdn.eu.pendo.io", us1: "us1.cdn.pendo.io", jp: "cdn.jpn.pendo.io",
    jpn: "cdn.jpn.pendo.io", au: "cdn.au.pendo.io", gov: "cdn.gov.pendo.io",
  };
  // What Pendo's snippet and the agent queue before the agent runs (the agent's METHODS_TO_CAPTURE).
  const QUEUED_METHODS = ["initialize", "identify", "updateOptions", "pageLoad", "track", "clearSession"];
  const API_KEY_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/;
  const LOOPBACK_HOSTS = ["localhost", "127.0.0.1", "[::1]"];
  const MARKER = "data-pyodide-pendo"; // the attribute Python's bridge puts on agent scripts it inserts

  const fail = (problem) => {
    throw new Error(`pyodide-pendo-early.js: ${problem}; Python's load() will load the agent instead`);
  };

  const tag = document.currentScript;
  if (!tag) fail("load it with a plain <script src> tag (not as a module), so it can read its data- attributes");
  const { apiKey, env = "io", agentUrl } = tag.dataset;
  if (!API_KEY_PATTERN.test(apiKey || "")) fail(`data-api-key must be your Pendo API key, got ${apiKey}`);

  const agentScriptUrl = () => {
    if (agentUrl === undefined) {
      const cdn = CDN_HOSTS[env] || fail(`data-env must be one of ${Object.keys(CDN_HOSTS).join(", ")}`);
      return `https://${cdn}/agent/static/${apiKey}/pendo.js`;
    }
    // Absolute, as Python's load(agent_url=...) needs it, so both name the same script.
    const url = new URL(agentUrl, document.baseURI);
    const loopback = url.protocol === "http:" && LOOPBACK_HOSTS.includes(url.hostname);
    if (url.protocol !== "https:" && !loopback) fail(`data-agent-url must be https (or http on localhost)`);
    return url.href;
  };
  const src = agentScriptUrl();

  // Pendo's snippet: a call queue and stub methods, kept if the page already has them.
  const pendo = (window.pendo = window.pendo || {});
  const queue = (pendo._q = pendo._q || []);
  for (const method of QUEUED_METHODS) {
    pendo[method] = pendo[method] || ((...args) => {
      if (method === "initialize") queue.unshift([method, ...args]);
      else queue.push([method, ...args]);
    });
  }

  const script = document.createElement("script");
  if (src.endsWith(".mjs")) script.type = "module"; // the same rule as Python's load(agent_url=...)
  script.async = true;
  script.setAttribute(MARKER, "early");
  script.addEventListener("error", () => script.setAttribute(MARKER, "failed"));
  script.src = src;
  document.head.appendChild(script);
})();
