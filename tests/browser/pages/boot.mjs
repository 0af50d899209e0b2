// Boots Pyodide from the pinned npm copy and installs our wheel with micropip, as a user would.
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
  status.textContent = "ready";
  return true;
})();
