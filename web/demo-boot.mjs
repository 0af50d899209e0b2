// The demo before any Python runs: PyScript's boot steps as they happen, and the agent's state meanwhile
// (early start loads it in parallel). demo.py takes over the panel once it runs (body[data-python=ready]).
const steps = document.getElementById("boot-steps");
const agentState = document.getElementById("agent-state");
const started = performance.now();

const step = (text, kind = "python") => {
  const item = document.createElement("li");
  item.className = kind;
  const seconds = document.createElement("small");
  seconds.textContent = ` ${((performance.now() - started) / 1000).toFixed(1)} s`;
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
  const failed = document.querySelector("script[data-pyodide-pendo=failed]");
  let state = "not started";
  if (failed) state = "failed";
  else if (pendo && typeof pendo.isReady === "function") state = "loaded, waiting for Python";
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
