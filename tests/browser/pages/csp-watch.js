// Records every Content-Security-Policy violation, so the test can show there were none.
window.cspViolations = [];
document.addEventListener("securitypolicyviolation", function (event) {
  window.cspViolations.push(event.violatedDirective + " " + event.blockedURI + " " + (event.sourceFile || ""));
});
