// Installed in every document before any of its scripts runs. It reports every cookie a script
// writes (document.cookie, the CookieStore API) and every Web Storage write, with the URL of the
// script that did it, through a CDP binding. The page keeps working exactly as before: the
// original setters are always called.
(() => {
  const BINDING = "__BINDING__";
  const send = globalThis[BINDING];
  if (typeof send !== "function" || globalThis.__cookieAuditHooked) return;
  Object.defineProperty(globalThis, "__cookieAuditHooked", { value: true });
  // Page scripts may delete or replace the binding; keep our own reference.
  const report = (message) => {
    try {
      message.doc = String(location.href);
      message.at = Date.now();
      send.call(globalThis, JSON.stringify(message));
    } catch (_) {
      // Reporting must never break the page.
    }
  };
  // The first http(s) URL of the stack that is not this hook: the script that wrote.
  const caller = () => {
    const stack = String(new Error().stack || "");
    const urls = stack.match(/https?:\/\/[^\s)]+?(?=:\d+:\d+)/g) || [];
    return urls.length ? urls[0] : "";
  };

  // Timers due within the settle time are counted, so a page is read as soon as they have run
  // rather than after a fixed wait; longer ones and repeating chains are left to the cap.
  const SHORT_TIMER_MS = __SETTLE_MS__;
  const liveTimers = new Set();
  const originalSetTimeout = globalThis.setTimeout;
  const originalClearTimeout = globalThis.clearTimeout;
  globalThis.setTimeout = function (callback, delay, ...rest) {
    const wait = Number(delay) || 0;
    if (typeof callback !== "function" || wait > SHORT_TIMER_MS) {
      return originalSetTimeout.apply(this, arguments);
    }
    let id;
    const run = function () {
      liveTimers.delete(id);
      return callback.apply(this, arguments);
    };
    id = originalSetTimeout.call(this, run, wait, ...rest);
    liveTimers.add(id);
    return id;
  };
  globalThis.clearTimeout = function (id) {
    liveTimers.delete(id);
    return originalClearTimeout.apply(this, arguments);
  };
  Object.defineProperty(globalThis, "__cookieAuditTimers", { value: () => liveTimers.size });

  const cookieProperty = Object.getOwnPropertyDescriptor(Document.prototype, "cookie");
  if (cookieProperty && cookieProperty.set) {
    Object.defineProperty(Document.prototype, "cookie", {
      configurable: true,
      enumerable: cookieProperty.enumerable,
      get() {
        return cookieProperty.get.call(this);
      },
      set(value) {
        report({ t: "cookie", raw: String(value), script: caller() });
        return cookieProperty.set.call(this, value);
      },
    });
  }

  // CookieStore.set(name, value) or set({name, value, expires, domain, path, sameSite}),
  // written down as the Set-Cookie line it amounts to.
  if (typeof CookieStore !== "undefined" && CookieStore.prototype.set) {
    const originalSet = CookieStore.prototype.set;
    CookieStore.prototype.set = function (nameOrOptions, maybeValue) {
      try {
        const o =
          typeof nameOrOptions === "object" && nameOrOptions !== null
            ? nameOrOptions
            : { name: nameOrOptions, value: maybeValue };
        let line = `${o.name}=${o.value === undefined ? "" : o.value}`;
        line += `; Path=${o.path || "/"}`;
        if (o.domain) line += `; Domain=${o.domain}`;
        if (o.expires !== undefined && o.expires !== null) {
          line += `; Expires=${new Date(o.expires).toUTCString()}`;
        }
        line += `; SameSite=${o.sameSite || "strict"}; Secure`;
        if (o.partitioned) line += "; Partitioned";
        report({ t: "cookie", raw: line, script: caller(), api: "cookieStore" });
      } catch (_) {
        // fall through to the real setter
      }
      return originalSet.apply(this, arguments);
    };
  }

  const originalSetItem = Storage.prototype.setItem;
  Storage.prototype.setItem = function (key, value) {
    try {
      const kind = this === globalThis.sessionStorage ? "session" : "local";
      report({
        t: "storage",
        kind,
        key: String(key),
        len: String(value).length,
        origin: String(location.origin),
        script: caller(),
      });
    } catch (_) {
      // fall through to the real setter
    }
    return originalSetItem.apply(this, arguments);
  };
})();
