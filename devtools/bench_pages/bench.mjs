// The benchmark page's JavaScript (devtools/bench.py drives it). Boots Pyodide and installs our wheel as
// tests/browser/pages/boot.mjs does, timing each step here with performance.now() so that no Playwright round
// trip is in a figure; then offers the timed loops: the same agent calls made directly from JavaScript (back to
// back, or paced like the pipeline), our Python pipeline (the loop itself runs in Python, see
// devtools/bench_pyodide.py), and the pipeline against a no-op agent. Loops return one timestamp before the
// first call and one after each call, in microseconds. The pipeline hands its calls to the agent in batches at
// the end of the task, so its last timestamp is taken after that (the batched agent calls included).
import { loadPyodide } from "../pyodide/pyodide.mjs";

// The agent methods our pipeline calls. For a no-op run they are replaced on the agent object itself, so the
// swap works however the package reaches window.pendo, and the no-op calls are counted to prove it did.
const AGENT_METHODS = ["identify", "track", "pageLoad", "clearSession"];

const status = document.getElementById("status");

function agentReadyAt() {
  // Resolves with the performance.now() at which the agent first says it is ready (polled every ~4 ms).
  return new Promise((resolve) => {
    const timer = setInterval(() => {
      const pendo = window.pendo;
      if (pendo && typeof pendo.isReady === "function" && pendo.isReady() === true) {
        clearInterval(timer);
        resolve(performance.now());
      }
    }, 1);
  });
}

function timeLoop(count, call) {
  const stamps = new Array(count + 1);
  stamps[0] = performance.now() * 1e3;
  for (let index = 1; index <= count; index++) {
    call();
    stamps[index] = performance.now() * 1e3;
  }
  return stamps;
}

window.bench = {
  fixtures: null,
  agentReady: null,

  watchAgentReady() {
    this.agentReady = agentReadyAt();
  },

  // One direct JavaScript call into window.pendo with the arguments our pipeline hands the agent, built per call
  // as an application's object literal would be.
  directCall(kind) {
    const { event, properties, userId, traits } = this.fixtures;
    if (kind === "track") return () => window.pendo.track(event, { ...properties });
    if (kind === "identify") return () => window.pendo.identify({ visitor: { ...traits, id: userId }, account: {} });
    if (kind === "empty") return () => {};
    throw new Error(`unknown call kind ${kind}`);
  },

  direct(kind, count) {
    return timeLoop(count, this.directCall(kind));
  },

  // Direct calls with ``gapUs`` of spinning (untimed) before each, so that the agent sees calls at the pipeline's
  // pace: its own cost per call grows with the time since the previous call. Returns the same shape as timeLoop:
  // cumulative call time only, one entry before the first call and one after each.
  directPaced(kind, count, gapUs) {
    const call = this.directCall(kind);
    const stamps = new Array(count + 1);
    stamps[0] = 0;
    for (let index = 1; index <= count; index++) {
      const resume = performance.now() + gapUs / 1e3;
      while (performance.now() < resume);
      const started = performance.now();
      call();
      stamps[index] = stamps[index - 1] + (performance.now() - started) * 1e3;
    }
    return stamps;
  },

  // The Python loop as a function, fetched once: runPython would compile its source for every batch.
  timedCalls: null,

  async python(kind, count) {
    this.timedCalls ??= window.pyodide.globals.get("timed_calls");
    const stamps = JSON.parse(this.timedCalls(kind, count)).map((ns) => ns / 1e3);
    await null; // the end-of-task flush was queued first, so it runs before this continues
    stamps[count] = performance.now() * 1e3;
    return stamps;
  },

  // Runs ``run`` with the agent's methods replaced by no-ops and restored before any agent timer can run (only
  // microtasks run while it is awaited): the pipeline's figure is then our own cost, the bridge into JavaScript
  // included.
  async withNoopAgent(run) {
    const pendo = window.pendo;
    const saved = AGENT_METHODS.map((name) => [name, Object.getOwnPropertyDescriptor(pendo, name)]);
    let calls = 0;
    for (const name of AGENT_METHODS) pendo[name] = () => { calls++; };
    try {
      return { result: await run(), calls };
    } finally {
      for (const [name, descriptor] of saved) {
        if (descriptor) Object.defineProperty(pendo, name, descriptor);
        else delete pendo[name];
      }
    }
  },

  async pythonWithNoopAgent(kind, count) {
    const { result, calls } = await this.withNoopAgent(() => this.python(kind, count));
    if (calls !== count) throw new Error(`the no-op agent got ${calls} of ${count} ${kind} calls`);
    return result;
  },

  // The leak run's mix of calls made directly from JavaScript: how much the agent itself grows the heap.
  directMix(count) {
    const { event, properties, userId, traits, groupId, groupTraits } = this.fixtures;
    for (let index = 0; index < count; index++) {
      const pendo = window.pendo;
      switch (index % 4) {
        case 0: pendo.track(event, { ...properties }); break;
        case 1: pendo.identify({ visitor: { ...traits, id: userId }, account: {} }); break;
        case 2: pendo.identify({ visitor: { ...traits, id: userId }, account: { ...groupTraits, id: groupId } }); break;
        default: pendo.pageLoad(location.href);
      }
    }
  },

  proxyCounts() {
    const module = window.pyodide._module;
    return { hiwire_keys: module.hiwire.num_keys(), pyproxies: module.pyproxy_alloc_map.size };
  },
};

window.benchBoot = (async () => {
  const started = performance.now();
  const pyodide = await loadPyodide();
  const booted = performance.now();
  await pyodide.loadPackage("micropip", { messageCallback: () => {} });
  const micropipLoaded = performance.now();
  const micropip = pyodide.pyimport("micropip");
  await micropip.install(new URL("@PYODIDE_PENDO_WHEEL@", location.href).href);
  const installed = performance.now();
  micropip.destroy();
  window.pyodide = pyodide;
  status.textContent = "ready";
  return {
    pyodide_boot_ms: booted - started,
    micropip_load_ms: micropipLoaded - booted,
    wheel_install_ms: installed - micropipLoaded,
    cross_origin_isolated: self.crossOriginIsolated,
  };
})();
