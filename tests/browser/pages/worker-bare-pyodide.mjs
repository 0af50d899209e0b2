// A Pyodide worker without PyScript: it installs our wheel and calls load(), which must explain why it cannot
// work here. Posts "loaded", or the exception's type and message, to the page.
import { loadPyodide } from "../pyodide/pyodide.mjs";

const pyodide = await loadPyodide();
await pyodide.loadPackage("micropip", { messageCallback: () => {} });
await pyodide.pyimport("micropip").install(new URL("@PYODIDE_PENDO_WHEEL@", location.href).href);
const outcome = await pyodide.runPythonAsync(`
from pyodide_pendo import rudderanalytics
try:
    rudderanalytics.load("bare-worker-key")
    outcome = "loaded"
except Exception as error:
    outcome = f"{type(error).__name__}: {error}"
outcome
`);
postMessage(outcome);
