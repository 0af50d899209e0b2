// Boots PyScript's MicroPython from the pinned npm copies. PyScript installs our wheel from the page's
// <script type="mpy" config=…>, as in a user's page; this module only keeps the interpreter for the tests.
// Tests reach Python through window.testPython (the same shape as boot.mjs gives).
import { hooks } from "../pyscript/core.js";

hooks.main.onReady.add((wrap) => {
  const micropython = wrap.interpreter;
  window.micropython = micropython;
  window.testPython = {
    interpreter: "micropython",
    // MicroPython's runPythonAsync returns no value: the harness rewrites the code to leave the last
    // expression's JSON text in window.testPythonResult (tests/browser/harness.py, PythonPage.run).
    async run(code) {
      window.testPythonResult = undefined;
      await micropython.runPythonAsync(code);
      return window.testPythonResult === undefined ? null : JSON.parse(window.testPythonResult);
    },
  };
});
