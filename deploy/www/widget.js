/* statusedge widget: <statusedge-status world="x1" lang="ru" theme="dark">. Rendered from
   nginx/widget.js.tmpl with the contract's document paths; edit the template. */
(function () {
  "use strict";
  var NAME = "statusedge-status";
  if (!window.customElements || customElements.get(NAME)) return;
  // The documents live beside the script: its own origin (and path prefix), whatever page
  // it was pasted into. currentScript is null once the script has run: read it now.
  var me = document.currentScript;
  var BASE = new URL(".", me && me.src ? me.src : location.href).href;
  var STATUS_PATH = "api/server/status.json";
  var WORLD_DOCS = "api/worlds/";
  var UNRESOLVED_PATH = "api/v2/incidents/unresolved.json";
  var WORLD_RE = /^[a-z0-9][a-z0-9-]{0,31}$/;
  // Refresh bounds (seconds): the answer's max-age within them; no-cache or a failure: RETRY.
  var MIN_S = 5, MAX_S = 300, RETRY_S = 30, TICK_MS = 15000, TIMEOUT_MS = 10000;

  var TEXT = {
    en: { online: "Online", offline: "Offline", maintenance: "Maintenance", stale: "Not current",
          unavailable: "Unavailable", loading: "Loading…", players: "Players", unreachable: "Status unreachable",
          updated: function (a) { return "Last update " + a; }, until: function (t) { return "Until " + t; },
          ago: function (m) { return m < 1 ? "just now" : m < 60 ? m + " min ago" : m < 2880 ? Math.floor(m / 60) + " h ago" : Math.floor(m / 1440) + " d ago"; } },
    ru: { online: "Онлайн", offline: "Оффлайн", maintenance: "Техработы", stale: "Неактуально",
          unavailable: "Недоступно", loading: "Загрузка…", players: "Игроки", unreachable: "Статус недоступен",
          updated: function (a) { return "Обновлено " + a; }, until: function (t) { return "До " + t; },
          ago: function (m) { return m < 1 ? "только что" : m < 60 ? m + " мин назад" : m < 2880 ? Math.floor(m / 60) + " ч назад" : Math.floor(m / 1440) + " дн назад"; } }
  };

  // Every property the widget relies on is set on its own box: a host page's inherited
  // font, colour or spacing (or `* { all: unset }` on the element itself) changes nothing.
  var CSS =
    ":host{display:inline-block;vertical-align:middle}" +
    ".w{--bg:#fff;--fg:#1d2330;--muted:#5d6679;--line:#d9dde6;--ok:#1f9d55;--bad:#d93b2b;--warn:#c98a00;--maint:#2f6fe0;--none:#8a93a6;" +
    "display:inline-flex;vertical-align:middle;align-items:center;flex-wrap:wrap;gap:4px 10px;box-sizing:border-box;margin:0;padding:8px 12px;min-width:180px;max-width:420px;" +
    "background:var(--bg);color:var(--fg);border:1px solid var(--line);border-radius:10px;" +
    "font:14px/1.4 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;font-style:normal;font-weight:400;letter-spacing:normal;" +
    "text-align:left;text-transform:none;text-decoration:none;text-shadow:none;white-space:normal;direction:ltr;color-scheme:light}" +
    ".w.dark{--bg:#171e2e;--fg:#e6e9f0;--muted:#98a0b3;--line:#2c3650;--ok:#2ecc71;--bad:#ff6b5b;--warn:#f1c40f;--maint:#6fa0ff;--none:#7d869a;color-scheme:dark}" +
    ".dot{display:inline-block;width:10px;height:10px;border-radius:50%;background:var(--none);flex:none}" +
    ".online .dot{background:var(--ok)}.offline .dot{background:var(--bad)}.maintenance .dot{background:var(--maint)}.stale .dot{background:var(--warn)}" +
    ".state{display:inline;font-weight:600}.stale .state,.unavailable .state{color:var(--muted)}" +
    ".players{display:inline;color:var(--muted)}.players b{color:var(--fg);font-weight:600}" +
    ".note{display:block;flex-basis:100%;color:var(--muted);font-size:12px;overflow-wrap:anywhere}.note:empty{display:none}";

  function sheet(root) {
    // A constructed sheet is not an inline <style>: a site's CSP without 'unsafe-inline'
    // still applies it. Browsers without one get the <style>.
    try {
      var s = new CSSStyleSheet();
      s.replaceSync(CSS);
      root.adoptedStyleSheets = [s];
    } catch (e) {
      var st = document.createElement("style");
      st.textContent = CSS;
      root.appendChild(st);
    }
  }

  function el(tag, cls, text) {
    var n = document.createElement(tag);
    if (cls) n.className = cls;
    if (text !== undefined) n.textContent = text;
    return n;
  }

  function set(node, prop, value) { if (node[prop] !== value) node[prop] = value; }

  // getJSON resolves with {code, body, maxAge}: maxAge is the answer's max-age in seconds,
  // or -1 when it has none (no-cache, a stale copy).
  function getJSON(url) {
    var ctrl = window.AbortController ? new AbortController() : null;
    var timer = setTimeout(function () { if (ctrl) ctrl.abort(); }, TIMEOUT_MS);
    return fetch(url, { cache: "no-cache", credentials: "omit", mode: "cors", signal: ctrl && ctrl.signal })
      .then(function (r) {
        var cc = r.headers.get("Cache-Control") || "", m = /(?:^|,)\s*max-age=(\d+)/.exec(cc);
        var maxAge = m && !/no-cache|no-store/.test(cc) ? +m[1] : -1;
        if (!r.ok) return { code: r.status, body: null, maxAge: maxAge };
        return r.json().then(function (b) { return { code: r.status, body: b, maxAge: maxAge }; });
      })
      .then(function (res) { clearTimeout(timer); return res; }, function (err) { clearTimeout(timer); throw err; });
  }

  function isStatus(s) { return !!(s && s.updated_at && s.fresh_until && (typeof s.online === "boolean" || typeof s.status === "string")); }

  // word is what a current document says: its status, or, from before it had one, online.
  function word(d) {
    if (d.status === "online" || d.status === "offline" || d.status === "maintenance") return d.status;
    return d.online ? "online" : "offline";
  }

  function Widget() { return Reflect.construct(HTMLElement, [], Widget); }
  Widget.prototype = Object.create(HTMLElement.prototype);
  Widget.prototype.constructor = Widget;
  Object.setPrototypeOf(Widget, HTMLElement);
  Widget.observedAttributes = ["world", "lang", "theme"];

  Widget.prototype.connectedCallback = function () {
    if (!this._root) {
      this._root = this.attachShadow({ mode: "open" });
      sheet(this._root);
      this._box = el("div", "w");
      this._box.setAttribute("role", "status");
      this._box.setAttribute("part", "box");
      this._dot = el("span", "dot");
      this._state = el("span", "state");
      this._players = el("span", "players");
      this._label = document.createTextNode("");
      this._count = el("b");
      this._players.appendChild(this._label);
      this._players.appendChild(this._count);
      this._note = el("span", "note");
      this._box.appendChild(this._dot);
      this._box.appendChild(this._state);
      this._box.appendChild(this._players);
      this._box.appendChild(this._note);
      this._root.appendChild(this._box);
      this._first = true;
    }
    this._media = window.matchMedia ? matchMedia("(prefers-color-scheme: dark)") : null;
    var self = this;
    this._onScheme = function () { self.render(); };
    if (this._media && this._media.addEventListener) this._media.addEventListener("change", this._onScheme);
    this._tick = setInterval(function () { self.render(); }, TICK_MS);
    this.refresh();
  };

  Widget.prototype.disconnectedCallback = function () {
    clearInterval(this._tick);
    clearTimeout(this._next);
    if (this._media && this._media.removeEventListener) this._media.removeEventListener("change", this._onScheme);
    this._gen = (this._gen || 0) + 1; // an answer still on its way is dropped
  };

  Widget.prototype.attributeChangedCallback = function (name, from, to) {
    if (!this._root || from === to) return;
    if (name === "world") { this._doc = null; this._incident = null; this.refresh(); } else this.render();
  };

  Widget.prototype._language = function () {
    var l = (this.getAttribute("lang") || document.documentElement.lang || navigator.language || "en").toLowerCase();
    return l.indexOf("ru") === 0 ? "ru" : "en";
  };

  // refresh reads the status and the unresolved incidents, renders, and plans the next read.
  Widget.prototype.refresh = function () {
    var self = this, gen = (this._gen = (this._gen || 0) + 1);
    clearTimeout(this._next);
    var world = this.getAttribute("world");
    if (world !== null && !WORLD_RE.test(world)) { this._fail(gen); return; }
    var statusURL = new URL(world === null ? STATUS_PATH : WORLD_DOCS + world + "/status.json", BASE).href;
    var status = getJSON(statusURL);
    var incidents = getJSON(new URL(UNRESOLVED_PATH, BASE).href).then(function (res) {
      var list = res.code === 200 && res.body && Array.isArray(res.body.incidents) ? res.body.incidents : [];
      return list.filter(function (i) {
        return i && typeof i.name === "string" && (world === null || (Array.isArray(i.components) &&
          i.components.some(function (c) { return c && c.id === world; })));
      })[0] || null;
    }, function () { return null; });
    status.then(function (res) {
      if (gen !== self._gen) return;
      if (res.code !== 200 || !isStatus(res.body)) { self._fail(gen); return; }
      self._doc = res.body;
      self._failed = false;
      var secs = res.maxAge < 0 ? RETRY_S : Math.min(MAX_S, Math.max(MIN_S, res.maxAge));
      var left = (Date.parse(res.body.fresh_until) - Date.now()) / 1000;
      if (left > 0) secs = Math.max(MIN_S, Math.min(secs, Math.ceil(left)));
      self.render();
      self._plan(secs);
      incidents.then(function (inc) {
        if (gen !== self._gen) return;
        self._incident = inc;
        self.render();
      });
    }, function () { self._fail(gen); });
  };

  Widget.prototype._fail = function (gen) {
    if (gen !== this._gen) return;
    // Never the last known status as current: a failed read replaces it.
    this._doc = null;
    this._incident = null;
    this._failed = true;
    this.render();
    this._plan(RETRY_S);
  };

  Widget.prototype._plan = function (secs) {
    var self = this;
    clearTimeout(this._next);
    this._next = setTimeout(function () { self.refresh(); }, secs * 1000);
  };

  Widget.prototype.render = function () {
    if (!this._root) return;
    var code = this._language(), t = TEXT[code], d = this._doc, state, players = "—", note = "";
    var theme = this.getAttribute("theme");
    var dark = theme === "dark" || (theme !== "light" && !!(this._media && this._media.matches));
    if (this._failed) {
      state = "unavailable";
      note = t.unreachable;
    } else if (!d) {
      state = "loading";
    } else if ((d._cache && d._cache.stale) || !(Date.now() < Date.parse(d.fresh_until))) {
      state = "stale";
      note = t.updated(t.ago(Math.floor((Date.now() - Date.parse(d.updated_at)) / 60000)));
    } else {
      state = word(d);
      if (state === "online" && typeof d.players === "number") players = d.players.toLocaleString(code);
      if (state === "offline" && this._incident) note = this._incident.name;
      if (state === "maintenance" && d.maintenance && d.maintenance.until) {
        note = t.until(new Date(d.maintenance.until).toLocaleTimeString(code, { hour: "2-digit", minute: "2-digit" }));
      }
    }
    // Only what changed is touched: the box is a live region, and a screen reader would
    // read out every rewrite of the same words (it re-renders every TICK_MS).
    set(this._box, "className", "w " + state + (dark ? " dark" : ""));
    set(this._box, "lang", code);
    set(this._state, "textContent", state === "loading" ? t.loading : t[state]);
    set(this._label, "data", t.players + " ");
    set(this._count, "textContent", players);
    set(this._note, "textContent", note);
    if (this.getAttribute("data-state") !== state) this.setAttribute("data-state", state);
    if (this._first && state !== "loading") {
      this._first = false;
      if (window.performance && performance.mark) performance.mark("statusedge-first-render");
    }
  };

  customElements.define(NAME, Widget);
})();
