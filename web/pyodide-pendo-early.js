/*
 * pyodide-pendo early start: Pendo starts at page speed, with the visitor Python will use, before Python boots.
 *
 *   <script src="pyodide-pendo-early.js" data-api-key="YOUR_API_KEY"></script>
 *   <script src="pyodide-pendo-early.js" data-api-key="YOUR_API_KEY" data-env="eu" data-storage="local_storage"></script>
 *   <script src="pyodide-pendo-early.js" data-api-key="YOUR_API_KEY" data-agent-url="/pendo-agent.mjs"
 *           data-pendo-options='{"excludeAllText": true}'></script>
 *
 * What it does, at once, as Pendo's own snippet does: reads the identity Python's load() will restore from
 * RudderStack's storage (rl_user_id, rl_anonymous_id, rl_group_id in RudderStack v3's encoding), installs
 * Pendo's call queue, calls pendo.initialize with that visitor and account, and inserts the agent's <script>.
 * With nothing stored it makes the anonymousId (a UUID v4) and stores it exactly as Python would, so that
 * load() adopts it. A stored value it cannot read (not base64, not JSON, RudderStack v1.1's AES values) counts
 * as absent and is left in place, as Python does.
 *
 * Its data- attributes mirror load()'s options of the same names (data-cookie-domain is cookie_domain):
 * api-key, env, agent-url, storage, cookie-domain, secure-cookie, consent, pendo-options (JSON).
 * With data-consent="pending" it fetches nothing, stores nothing and initializes nothing: Python's load()
 * starts Pendo once consent is granted. A malformed attribute is a console error naming it, and the script
 * then does nothing else, so load() starts Pendo as it would without this file.
 *
 * Python's load() reads what this script did from window.pyodidePendoEarlyStart (JSON-ready), adopts the
 * agent (no second initialize, no second script), sends the stored traits as metadata through
 * pendo.identify with the same ids (the agent records no identify event for unchanged ids), and warns,
 * naming the data- attribute, where its own options or identity differ; Python's identity then wins.
 *
 * Why a separate file: a plain classic script runs at once, with no inline script and no eval; a strict
 * Content-Security-Policy that allows this file and the agent's origin is enough. If the agent fails to
 * load, its <script> gets data-pyodide-pendo="failed", so Python reports the failure as soon as it starts.
 */
(() => {
  "use strict";

  const RECORD_NAME = "pyodidePendoEarlyStart"; // what Python's load() reads
  const MARKER = "data-pyodide-pendo"; // the attribute on agent scripts that this package inserts
  // Pendo's CDN per environment (the agent's dist/servers.json); "jpn" is accepted for "jp", as in Python.
  const CDN_HOSTS = {
    io: "cdn.pendo.io",
    eu: "cdn.eu.pendo.io",
    us1: "us1.cdn.pendo.io",
    jp: "cdn.jpn.pendo.io",
    au: "cdn.au.pendo.io",
    gov: "cdn.gov.pendo.io",
  };
  const ENVIRONMENT_ALIASES = { jpn: "jp" };
  // What Pendo's snippet and the agent queue before the agent runs (the agent's METHODS_TO_CAPTURE).
  const QUEUED_METHODS = ["initialize", "identify", "updateOptions", "pageLoad", "track", "clearSession"];
  const API_KEY_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/;
  const DOMAIN_PATTERN = /^\.?[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*$/;
  const LOOPBACK_HOSTS = ["localhost", "127.0.0.1", "[::1]"];
  const STORAGE_TYPES = ["cookie", "local_storage", "memory"];
  const CONSENT_STATES = ["granted", "pending"];
  // RudderStack v3's storage: keys, the encoding of each value, the cookies' lifetime.
  const ANONYMOUS_ID = "rl_anonymous_id";
  const USER_ID = "rl_user_id";
  const GROUP_ID = "rl_group_id";
  const ENCODED_PREFIX = "RS_ENC_v3_";
  const COOKIE_MAX_AGE_SECONDS = 365 * 24 * 60 * 60;
  const TOP_DOMAIN_TEST_COOKIE = "__tld__";
  const ANONYMOUS_VISITOR_PREFIX = "_PENDO_T_"; // Pendo's prefix for anonymous visitors, as in Python
  // INITIALIZE_IMMEDIATELY: by default the agent waits for document.readyState "complete" before it
  // initializes, and a PyScript page gets there only once PyScript's own module scripts have loaded and run;
  // Pendo's initializeImmediately option starts it as soon as it has loaded (data-pendo-options can set it
  // to false). Measured in devtools/early_start_bench.py.

  // Read by Python's load() as JSON; `state` is "started", "consent pending" or "not started" (see `error`).
  const record = (window[RECORD_NAME] = {
    state: "not started", error: null, options: null, scriptUrl: null,
    anonymousId: null, visitorId: null, accountId: null,
    startedAt: performance.now(), readyAt: null,
  });

  class AttributeProblem extends Error {}

  // --- the data- attributes, as load()'s options ------------------------------------------------------------

  const oneOf = (attribute, value, allowed) => {
    if (!allowed.includes(value)) {
      throw new AttributeProblem(`${attribute} must be one of ${allowed.join(", ")}, got ${JSON.stringify(value)}`);
    }
    return value;
  };

  const agentScriptUrl = (given) => {
    if (given.includes("\\")) throw new AttributeProblem("data-agent-url must not contain a backslash");
    let url;
    try {
      url = new URL(given, document.baseURI);
    } catch (error) {
      throw new AttributeProblem(`data-agent-url is not a URL (${error.message})`);
    }
    if (url.username || url.password) throw new AttributeProblem("data-agent-url must not contain credentials");
    const loopback = url.protocol === "http:" && LOOPBACK_HOSTS.includes(url.hostname);
    if (url.protocol !== "https:" && !loopback) {
      throw new AttributeProblem("data-agent-url must be https (or http on localhost)");
    }
    return url.href;
  };

  const readOptions = (data) => {
    if (!API_KEY_PATTERN.test(data.apiKey || "")) {
      throw new AttributeProblem(`data-api-key must be your Pendo app's API key, got ${JSON.stringify(data.apiKey)}`);
    }
    const givenEnv = data.env ?? "io";
    const env = oneOf("data-env", ENVIRONMENT_ALIASES[givenEnv] ?? givenEnv, Object.keys(CDN_HOSTS));
    const cookieDomain = data.cookieDomain ?? null;
    if (cookieDomain !== null && !DOMAIN_PATTERN.test(cookieDomain)) {
      throw new AttributeProblem(`data-cookie-domain must be a domain name such as example.com, got ${JSON.stringify(cookieDomain)}`);
    }
    let pendoOptions = null;
    if (data.pendoOptions !== undefined) {
      try {
        pendoOptions = JSON.parse(data.pendoOptions);
      } catch (error) {
        throw new AttributeProblem(`data-pendo-options is not valid JSON (${error.message})`);
      }
      if (pendoOptions === null || typeof pendoOptions !== "object" || Array.isArray(pendoOptions)) {
        throw new AttributeProblem("data-pendo-options must be a JSON object of Pendo initialize options");
      }
    }
    // Keyed by load()'s option names: Python compares each with its own.
    return {
      api_key: data.apiKey,
      env,
      agent_url: data.agentUrl === undefined ? null : agentScriptUrl(data.agentUrl),
      storage: oneOf("data-storage", data.storage ?? "cookie", STORAGE_TYPES),
      cookie_domain: cookieDomain,
      // A boolean attribute: present (empty or "true") is true.
      secure_cookie: data.secureCookie === undefined ? false
        : oneOf("data-secure-cookie", data.secureCookie || "true", ["true", "false"]) === "true",
      consent: oneOf("data-consent", data.consent ?? "granted", CONSENT_STATES),
      pendo_options: pendoOptions,
    };
  };

  // --- RudderStack's storage, read and written as Python's persistence module does ----------------------------

  // The id in a stored value, or null when absent or unreadable: a string, or an integer written as one.
  const decodeId = (stored) => {
    let jsonText = stored;
    if (stored.startsWith(ENCODED_PREFIX)) {
      const bytes = Uint8Array.from(atob(stored.slice(ENCODED_PREFIX.length)), (c) => c.charCodeAt(0));
      jsonText = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
    }
    const value = JSON.parse(jsonText); // v1.1's "RudderEncrypt:…" throws here: unreadable, left alone
    if (typeof value === "string") return value || null;
    return typeof value === "number" && /^-?(0|[1-9][0-9]*)$/.test(jsonText.trim()) ? jsonText.trim() : null;
  };

  const encodeValue = (value) => {
    const utf8 = new TextEncoder().encode(JSON.stringify(value));
    return ENCODED_PREFIX + btoa(String.fromCharCode(...utf8));
  };

  const cookieValue = (cookies, name) => {
    let value = null; // the last one wins, as in RudderStack v3
    for (const pair of cookies.split(";")) {
      const at = pair.indexOf("=");
      const pairName = (at < 0 ? pair : pair.slice(0, at)).trim();
      if (pairName === name) value = at < 0 ? "" : pair.slice(at + 1).trim();
    }
    return value === null ? null : decodeURIComponent(value);
  };

  const isIpAddress = (host) => host.startsWith("[") || host.includes(":")
    || (host.split(".").length === 4 && host.split(".").every((part) => /^[0-9]+$/.test(part)));

  // The shortest suffix of the host that takes a cookie (the site's registrable domain), as RudderStack v3 does.
  const topDomain = (hostname) => {
    if (hostname === "localhost" || isIpAddress(hostname)) return null;
    const labels = hostname.split(".");
    for (let start = labels.length - 2; start >= 0; start -= 1) {
      const candidate = labels.slice(start).join(".");
      document.cookie = `${TOP_DOMAIN_TEST_COOKIE}=1; Domain=${candidate}`;
      if (cookieValue(document.cookie, TOP_DOMAIN_TEST_COOKIE)) {
        document.cookie = `${TOP_DOMAIN_TEST_COOKIE}=; Max-Age=0; Domain=${candidate}`;
        return candidate;
      }
    }
    return null;
  };

  const cookieStore = (options) => ({
    get: (key) => cookieValue(document.cookie, key),
    set: (key, value) => {
      const domain = options.cookie_domain ?? topDomain(location.hostname);
      document.cookie = [
        `${encodeURIComponent(key)}=${encodeURIComponent(value)}`, `Max-Age=${COOKIE_MAX_AGE_SECONDS}`, "Path=/",
        ...(domain === null ? [] : [`Domain=${domain}`]), "SameSite=Lax", ...(options.secure_cookie ? ["Secure"] : []),
      ].join("; ");
    },
  });

  const localStorageStore = () => ({
    get: (key) => {
      const stored = localStorage.getItem(key);
      if (stored === null) return null;
      try { // JSON-quoted, as RudderStack's storejs writes it; any other text as it is
        const unquoted = JSON.parse(stored);
        return typeof unquoted === "string" ? unquoted : stored;
      } catch {
        return stored;
      }
    },
    set: (key, value) => localStorage.setItem(key, JSON.stringify(value)),
  });

  const memoryStore = () => ({ get: () => null, set: () => {} });

  const openStore = (options) => {
    if (options.storage === "cookie") return cookieStore(options);
    if (options.storage === "local_storage") return localStorageStore();
    return memoryStore(); // Python adopts the anonymousId from the record
  };

  // "absent", "unreadable" or the id. Storage that throws (a sandboxed document) counts as absent.
  const readId = (store, key) => {
    let stored;
    try {
      stored = store.get(key);
    } catch (error) {
      console.warn(`pyodide-pendo-early.js: could not read ${key} (${error.message})`);
      return "absent";
    }
    if (!stored) return "absent";
    try {
      return decodeId(stored) ?? "unreadable";
    } catch {
      return "unreadable"; // Python warns about it when load() reads it
    }
  };

  const idOrNull = (read) => (read === "absent" || read === "unreadable" ? null : read);

  const uuid4 = () => {
    const bytes = crypto.getRandomValues(new Uint8Array(16));
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    const hex = Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  };

  // --- Pendo's snippet, initialized with that identity -------------------------------------------------------

  const installQueue = () => {
    const pendo = (window.pendo = window.pendo || {});
    const queue = (pendo._q = pendo._q || []);
    for (const method of QUEUED_METHODS) {
      pendo[method] = pendo[method] || ((...args) => {
        if (method === "initialize") queue.unshift([method, ...args]);
        else queue.push([method, ...args]);
      });
    }
    return pendo;
  };

  const insertAgentScript = (src) => {
    const script = document.createElement("script");
    if (src.endsWith(".mjs")) script.type = "module"; // the same rule as Python's load(agent_url=...)
    script.async = true;
    script.fetchPriority = "high"; // ahead of the interpreter's files, which the page requests meanwhile
    script.setAttribute(MARKER, "early");
    script.addEventListener("error", () => script.setAttribute(MARKER, "failed"));
    script.src = src;
    document.head.appendChild(script);
  };

  const start = () => {
    const tag = document.currentScript;
    if (!tag) {
      throw new AttributeProblem("load it with a plain <script src> tag (not as a module), so it can read its data- attributes");
    }
    const options = readOptions(tag.dataset);
    record.options = options;
    if (options.consent === "pending") {
      record.state = "consent pending";
      return;
    }
    const store = openStore(options);
    const storedAnonymousId = readId(store, ANONYMOUS_ID);
    let anonymousId = idOrNull(storedAnonymousId);
    if (anonymousId === null) {
      anonymousId = uuid4();
      if (storedAnonymousId === "absent") {
        try {
          store.set(ANONYMOUS_ID, encodeValue(anonymousId));
        } catch (error) {
          console.warn(`pyodide-pendo-early.js: could not store ${ANONYMOUS_ID} (${error.message})`);
        }
      }
    }
    const userId = idOrNull(readId(store, USER_ID));
    const groupId = idOrNull(readId(store, GROUP_ID));
    Object.assign(record, {
      anonymousId, visitorId: userId ?? ANONYMOUS_VISITOR_PREFIX + anonymousId, accountId: groupId,
      scriptUrl: options.agent_url ?? `https://${CDN_HOSTS[options.env]}/agent/static/${options.api_key}/pendo.js`,
    });
    const pendoOptions = options.pendo_options ?? {};
    const pendo = installQueue();
    pendo.initialize({
      initializeImmediately: true, // see INITIALIZE_IMMEDIATELY above
      ...pendoOptions,
      apiKey: options.api_key,
      visitor: { id: record.visitorId },
      // Without a group, an explicit null: the agent then drops an account it stored for an earlier visitor
      // (Python's load() does the same).
      account: { id: groupId },
      events: {
        ...pendoOptions.events,
        ready: () => { record.readyAt = performance.now(); },
      },
    });
    insertAgentScript(record.scriptUrl);
    record.state = "started";
  };

  try {
    start();
  } catch (error) {
    record.error = error instanceof AttributeProblem ? error.message : `${error.name}: ${error.message}`;
    console.error(`pyodide-pendo-early.js: ${record.error}; Pendo was not started early: Python's load() will start it`);
  }
})();
