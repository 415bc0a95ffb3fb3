// Baton agent console: live updates on top of server-rendered pages (which work without it).
// Served from /console/assets/console.js; no inline script anywhere, so the CSP stays strict.
// Every text from the server is inserted with textContent, never as HTML.
(function () {
  "use strict";
  var body = document.body;

  function waited(ms) {
    var mins = Math.max(0, Math.floor(ms / 60000));
    if (mins < 1) return "just now";
    if (mins < 60) return mins + " min";
    if (mins < 1440) return Math.floor(mins / 60) + " h " + (mins % 60) + " min";
    return Math.floor(mins / 1440) + " d " + Math.floor((mins % 1440) / 60) + " h";
  }
  function tick() {
    var els = document.querySelectorAll("[data-since]");
    for (var i = 0; i < els.length; i++) {
      els[i].textContent = waited(Date.now() - Number(els[i].getAttribute("data-since")));
    }
  }
  setInterval(tick, 30000);

  function clock(ms) {
    return new Date(ms).toISOString().slice(11, 16);
  }
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }

  var live = body.getAttribute("data-live");
  if (!live || typeof EventSource === "undefined") return;

  if (!body.getAttribute("data-handoff")) {
    // Queue pages: reload when a handoff lands in one of my queues.
    var queues = new EventSource(live);
    var pending = null;
    queues.addEventListener("queued", function () {
      if (pending) return;
      pending = setTimeout(function () { location.reload(); }, 300);
    });
    return;
  }

  var list = document.getElementById("live");
  var seen = {};
  var items = list ? list.querySelectorAll("[data-seq]") : [];
  for (var i = 0; i < items.length; i++) seen[items[i].getAttribute("data-seq")] = true;

  function add(seq, li) {
    if (!list || seen[seq]) return;
    seen[seq] = true;
    li.setAttribute("data-seq", seq);
    list.appendChild(li);
    li.scrollIntoView({ block: "nearest" });
  }
  function setStatus(cls, text) {
    var s = document.getElementById("status");
    if (s) { s.className = "status " + cls; s.textContent = text; }
  }

  var url = live + "?after=" + encodeURIComponent(body.getAttribute("data-after") || "0");
  var source = new EventSource(url);
  source.addEventListener("message", function (ev) {
    var d;
    try { d = JSON.parse(ev.data); } catch (e) { return; }
    var li = el("li", "msg " + (d.role === "customer" ? "customer" : "agent"));
    var meta = el("div", "meta");
    meta.appendChild(el("span", "role", d.role === "customer" ? "Customer" : (d.agent || "Agent")));
    meta.appendChild(el("span", "time", clock(d.at)));
    li.appendChild(meta);
    li.appendChild(el("p", "text", d.text));
    add(ev.lastEventId, li);
  });
  source.addEventListener("agent_joined", function (ev) {
    var d = {};
    try { d = JSON.parse(ev.data); } catch (e) { /* keep defaults */ }
    add(ev.lastEventId, el("li", "event", (d.agent || "An agent") + " joined · " + clock(Date.now())));
    setStatus("claimed", "In progress");
  });
  source.addEventListener("closed", function (ev) {
    add(ev.lastEventId, el("li", "event", "Conversation closed · " + clock(Date.now())));
    setStatus("closed", "Closed");
  });

  var form = document.getElementById("reply");
  if (!form) return;
  var text = form.querySelector("textarea");
  var button = form.querySelector("button");
  var error = el("p", "error");
  error.hidden = true;
  form.appendChild(error);
  function send() {
    if (!text.value.trim()) return;
    // What this request carries: the agent may type the next reply before it returns.
    var sent = text.value;
    button.disabled = true;
    error.hidden = true;
    fetch(form.action, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Accept": "application/json", "Content-Type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams(new FormData(form)).toString()
    }).then(function (r) {
      if (!r.ok) throw new Error("HTTP " + r.status);
      // Clear only what was sent, never a reply typed while this one was in flight.
      if (text.value === sent) text.value = "";
    }).catch(function (e) {
      error.textContent = "Not sent (" + e.message + "). Try again.";
      error.hidden = false;
    }).then(function () {
      button.disabled = false;
      text.focus();
    });
  }
  form.addEventListener("submit", function (ev) { ev.preventDefault(); send(); });
  text.addEventListener("keydown", function (ev) {
    if (ev.key === "Enter" && !ev.shiftKey) { ev.preventDefault(); send(); }
  });
})();
