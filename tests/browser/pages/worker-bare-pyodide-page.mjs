// Starts worker-bare-pyodide.mjs and shows what it reports in #result, as JSON: {outcome}.
const worker = new Worker(new URL("./worker-bare-pyodide.mjs", import.meta.url), { type: "module" });
worker.addEventListener("message", (event) => {
  document.getElementById("result").textContent = JSON.stringify({ outcome: event.data });
});
worker.addEventListener("error", (event) => {
  document.getElementById("result").textContent = JSON.stringify({ outcome: `worker error: ${event.message}` });
});
