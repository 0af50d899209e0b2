// A self-hosted agent in the shape of Pendo's pendo.js: a classic script that loads the npm @pendo/agent
// build from this site and adopts window.pendo and its queue. The API key comes from the queued initialize
// (pyodide_pendo passes apiKey there).
(function () {
  var queued = (window.pendo && window.pendo._q || []).filter(function (call) { return call[0] === "initialize"; })[0];
  var apiKey = queued && queued[1] && queued[1].apiKey;
  var agentModule = new URL("../pendo/pendo.module.js", document.currentScript.src).href;
  import(agentModule).then(function (agent) {
    agent.loadAgent({
      apiKey: apiKey, env: "prod", server: "https://app.pendo.io", designerServer: "https://app.pendo.io",
      assetHost: "cdn.pendo.io", assetPath: "agent/releases/2.291.4", loadAsModule: false
    });
  });
})();
