/*! Baton loader: paints the launcher, then loads the widget when the browser is idle or on
 * the first click. Classic async script; no globals besides window.Baton; CSP-safe (no eval,
 * no inline styles or scripts). Usage:
 * <script src=".../baton.js" data-site="demo" data-endpoint="https://…/v1" async></script> */
(function (w, d) {
  var s = d.currentScript, prev = w.Baton, perf = w.performance;
  if (!s || (prev && prev.loaded)) return;
  var base = s.src.replace(/[^/?#]*([?#].*)?$/, ""),
    q = [], listeners = {}, attrs = {}, mod, loading, i, a;
  for (i = 0; (a = s.attributes[i]); i++)
    if (!a.name.indexOf("data-")) attrs[a.name.slice(5)] = a.value;
  var lang = (attrs.locale || d.documentElement.lang || "en").slice(0, 2).toLowerCase(),
    labels = { en: "Open chat", es: "Abrir chat", fr: "Ouvrir le chat", de: "Chat öffnen",
      pt: "Abrir chat", it: "Apri la chat", nl: "Chat openen" };

  function api(cmd, arg, fn) {
    if (cmd == "on") { (listeners[arg] = listeners[arg] || []).push(fn); return; }
    if (cmd == "shutdown" && !mod) {
      try { localStorage.removeItem("baton:" + attrs.site + ":session"); } catch (e) {}
      host.remove(); q = []; return;
    }
    if (mod) mod.command(JSON.stringify([cmd, arg === undefined ? null : arg]));
    else { q.push([cmd, arg === undefined ? null : arg]); if (cmd == "open" || cmd == "handoff") load(); }
  }
  api.loaded = 1;
  // Calls made before this script ran, by the snippet `Baton=Baton||function(){(Baton.q=Baton.q||[]).push(arguments)}`.
  var early = (prev && prev.q) || [];
  w.Baton = api;

  function emit(name, json) {
    var fns = listeners[name] || [], detail = JSON.parse(json), k;
    for (k = 0; k < fns.length; k++) try { fns[k](detail); } catch (e) { setTimeout(function () { throw e; }); }
  }

  function load() {
    return loading || (loading = import(base + "baton_widget.js").then(function (m) {
      return m.default({ module_or_path: base + "baton_widget_bg.wasm" }).then(function () {
        m.mount(root, JSON.stringify({ attrs: attrs, lang: d.documentElement.lang || "",
          url: location.href, title: d.title, queue: q }), emit);
        mod = m; q = []; btn.remove();
      });
    }).catch(function (e) { loading = null; btn.disabled = false; console.error("baton: failed to load", e); }));
  }

  // The launcher, painted by the loader itself inside an open shadow root.
  var host = d.createElement("div"), root = host.attachShadow({ mode: "open" }),
    link = d.createElement("link"), btn = d.createElement("button"),
    ns = "http://www.w3.org/2000/svg", svg = d.createElementNS(ns, "svg"), path = d.createElementNS(ns, "path");
  host.setAttribute("data-baton", "");
  // Inline !important beats the host page's !important rules: nothing inherits into the widget.
  host.style.setProperty("all", "initial", "important");
  host.style.setProperty("display", "none", "important");
  link.rel = "stylesheet";
  link.href = base + "baton.css";
  link.onload = link.onerror = function () { host.style.removeProperty("display"); perf && perf.mark && perf.mark("baton:launcher"); };
  btn.type = "button";
  btn.className = "launcher" + (attrs.position == "left" ? " left" : "");
  btn.setAttribute("aria-label", labels[lang] || labels.en);
  btn.setAttribute("aria-expanded", "false");
  svg.setAttribute("viewBox", "0 0 24 24");
  svg.setAttribute("width", "24");
  svg.setAttribute("height", "24");
  svg.setAttribute("aria-hidden", "true");
  path.setAttribute("fill", "currentColor");
  path.setAttribute("d", "M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4H4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2z");
  svg.appendChild(path);
  btn.appendChild(svg);
  btn.onclick = function () { btn.disabled = true; btn.setAttribute("aria-busy", "true"); perf && perf.mark && perf.mark("baton:click"); api("open"); };
  if (/^#[0-9a-f]{3}([0-9a-f]{3})?$/i.test(attrs.color || "")) host.style.setProperty("--brand", attrs.color);
  root.appendChild(link);
  root.appendChild(btn);
  (d.body || d.documentElement).appendChild(host);

  for (i = 0; i < early.length; i++) api.apply(null, [].slice.call(early[i]));
  // Reopen after a reload if the customer had the panel open.
  try { if (localStorage.getItem("baton:" + attrs.site + ":open")) load(); } catch (e) {}
  function idle() { (w.requestIdleCallback || setTimeout)(load, { timeout: 4000 }); }
  if (d.readyState == "complete") idle(); else w.addEventListener("load", idle);
})(window, document);
