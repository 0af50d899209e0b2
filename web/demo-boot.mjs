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

// The interpreter the page's switch chose (?interpreter=mpy for MicroPython; Pyodide by default). This module
// runs before PyScript's core.js, which then finds the script added here. packages_cache "never": the demo
// always installs the wheel just built from this checkout.
const interpreter = new URLSearchParams(location.search).get("interpreter") === "mpy" ? "mpy" : "py";
const interpreterUrl = interpreter === "mpy" ? "./micropython/micropython.mjs" : "./pyodide/pyodide.mjs";
const demoScript = document.createElement("script");
demoScript.type = interpreter;
demoScript.src = "demo.py";
demoScript.setAttribute("config", JSON.stringify(
  { interpreter: interpreterUrl, packages: ["./@PYODIDE_PENDO_WHEEL@"], packages_cache: "never" }));
document.body.append(demoScript);
document.querySelector(`#interpreter-switch [data-interpreter=${interpreter}]`).setAttribute("aria-current", "page");

step(`Loading PyScript (${interpreter === "mpy" ? "MicroPython" : "Pyodide"})`);
// PyScript reports each step of the interpreter's boot ("Loading Pyodide", "Loading micropip"…) as py:progress
// (mpy:progress for MicroPython).
addEventListener(`${interpreter}:progress`, (event) => step(String(event.detail)));

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
