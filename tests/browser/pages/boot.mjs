// Boots Pyodide from the pinned npm copy and installs our wheel with micropip, as a user would.
// Tests reach Python through window.testPython (the same shape as boot-micropython.mjs gives).
import { loadPyodide } from "../pyodide/pyodide.mjs";

const status = document.getElementById("status");
(async () => {
  const pyodide = await loadPyodide();
  await pyodide.loadPackage("micropip", { messageCallback: () => {} });
  await pyodide.pyimport("micropip").install(new URL("@PYODIDE_PENDO_WHEEL@", location.href).href);
  window.pyodide = pyodide;
  window.testPython = {
    interpreter: "pyodide",
    // Runs code (top-level await allowed); resolves to its last expression, converted to plain JS values.
    async run(code) {
      const result = await pyodide.runPythonAsync(code);
      if (result && typeof result.toJs === "function") {
        const value = result.toJs({ dict_converter: Object.fromEntries, create_pyproxies: false });
        result.destroy();
        return value;
      }
      return result;
    },
  };
  status.textContent = "ready";
})();
