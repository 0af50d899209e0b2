// The demo before any Python runs: PyScript's boot steps as they happen, and the agent's state meanwhile
// (early start initializes it with the stored visitor at once). demo.py takes over the panel once it runs
// (body[data-python=ready]). Times are seconds since navigation, as performance.now() counts them.
const steps = document.getElementById("boot-steps");
const agentState = document.getElementById("agent-state");

const step = (text, kind = "python") => {
  const item = document.createElement("li");
  item.className = kind;
  const seconds = document.createElement("small");
  seconds.textContent = ` ${(performance.now() / 1000).toFixed(2)} s`;
  item.append(text, seconds);
  steps.append(item);
};

step("Loading PyScript");
// PyScript reports each step of Pyodide's boot ("Loading Pyodide", "Loading micropip"…) as py:progress.
addEventListener("py:progress", (event) => step(String(event.detail)));

const pythonRuns = () => document.body.dataset.python !== "booting";
let shownState = "";
const showAgent = () => {
  if (pythonRuns()) return;
  const pendo = window.pendo;
  const early = window.pyodidePendoEarlyStart;
  const failed = document.querySelector("script[data-pyodide-pendo=failed]");
  let state = early?.state === "consent pending" ? "waiting for consent" : "not started";
  if (failed) state = "failed";
  else if (pendo?.isReady?.() === true) state = `ready before Python, visitor ${pendo.getVisitorId()} (early start)`;
  else if (pendo && typeof pendo.isReady === "function") state = "loaded, initializing (early start)";
  else if (pendo) state = "loading (early start)";
  if (state !== shownState) {
    shownState = state;
    agentState.textContent = state;
    agentState.dataset.state = failed ? "failed" : "loading";
    step(`Pendo agent ${state}`, "agent");
  }
  setTimeout(showAgent, 50);
};
showAgent();
