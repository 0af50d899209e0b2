# Runs once PyScript has installed the page's packages: the page is ready for the tests.
import js

js.document.getElementById("status").textContent = "ready"
