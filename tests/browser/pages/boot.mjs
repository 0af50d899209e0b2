// Boots Pyodide from the pinned npm copy and installs our wheel with micropip, as a user would.
import { loadPyodide } from "../pyodide/pyodide.mjs";

const status = document.getElementById("status");
window.pyodideBoot = (async () => {
  const pyodide = await loadPyodide();
  await pyodide.loadPackage("micropip", { messageCallback: () => {} });
  await pyodide.pyimport("micropip").install(new URL("@PYODIDE_PENDO_WHEEL@", location.href).href);
  window.pyodide = pyodide;
  status.textContent = "ready";
  return true;
})();
