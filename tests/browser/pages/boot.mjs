// Boots Pyodide from the pinned npm copy and installs our wheel with micropip, as a user would.
// Tests reach Python through window.testPython (the same shape as boot-micropython.mjs gives).
// The runtime-version tests pass `?pyodide=<folder>` (another Pyodide of the site, relative to this file) and
// `?install=no` (boot with micropip loaded but without our wheel, which the test installs by name).
const options = new URLSearchParams(location.search);
const status = document.getElementById("status");
window.pyodideBoot = (async () => {
  const { loadPyodide } = await import(`${options.get("pyodide") ?? "../pyodide"}/pyodide.mjs`);
  const pyodide = await loadPyodide();
  await pyodide.loadPackage("micropip", { messageCallback: () => {} });
  if (options.get("install") !== "no") {
    await pyodide.pyimport("micropip").install(new URL("@PYODIDE_PENDO_WHEEL@", location.href).href);
  }
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
