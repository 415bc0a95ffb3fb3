// Cross-site scripting: a corpus of payloads in every customer-controlled field — messages,
// customer name / email / attributes, page title and URL, summary — sent both as real bundles
// over HTTP and through the widget itself, then rendered where people read them: the widget
// (the customer's own messages and the agent's replies), the agent console (queues, every
// handoff page) and the dashboard, in real headless Chromium.
//
// Every payload calls a global hook `__xss(n)` (or `alert`) if it ever runs. The test counts
// hook calls, dialogs, CSP violations (an injection the policy blocked still counts as a
// failure of escaping), and looks for live markup the payloads would create (on* attributes,
// javascript: URLs, foreign <script>/<iframe>/<object> elements). Expected: zero of each.
// Every HTML page the server sends must carry a strict Content-Security-Policy.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { randomUUID } from "node:crypto";
import { after, before, describe, test } from "node:test";
import { DESKTOP, newPage } from "./harness/browser.mjs";
import { ROOT } from "./harness/env.mjs";
import { Widget, nextHandoffResponse } from "./harness/widget.mjs";
import { useServerAndBrowser } from "./harness/suite.mjs";

const AGENT = { email: "alex@northwind.example", password: "northwind-demo" };

/** The payload corpus: `N` is replaced by the payload's number. */
export const PAYLOADS = [
  `<script>__xss(N)</script>`,
  `<img src=x onerror=__xss(N)>`,
  `<svg onload=__xss(N)>`,
  `<svg><script>__xss(N)</script></svg>`,
  `"><img src=x onerror=__xss(N)>`,
  `'><svg/onload=__xss(N)>`,
  `" autofocus onfocus="__xss(N)" x="`,
  `' onmouseover='__xss(N)' x='`,
  `javascript:__xss(N)`,
  `<a href="javascript:__xss(N)">click me</a>`,
  "${__xss(N)}",
  "`${__xss(N)}`",
  `{{constructor.constructor('__xss(N)')()}}`,
  `<iframe srcdoc="<script>parent.__xss(N)</script>"></iframe>`,
  `</textarea><script>__xss(N)</script>`,
  `</title><script>__xss(N)</script>`,
  `</style><script>__xss(N)</script>`,
  `<details open ontoggle=__xss(N)>`,
  `<math><mtext><table><mglyph><style><img src=x onerror=__xss(N)>`,
  `<body onload=__xss(N)>`,
  `<input autofocus onfocus=__xss(N)>`,
  `<object data="javascript:__xss(N)"></object>`,
  `<form><button formaction=javascript:__xss(N)>go</button></form>`,
  `&lt;script&gt;__xss(N)&lt;/script&gt;`,
  `<img src=x onerror=alert(N)>`,
  `<svg><animate onbegin=__xss(N) attributeName=x dur=1s>`,
  `<marquee onstart=__xss(N)>`,
  `<video><source onerror=__xss(N)></video>`,
  `<base href="javascript:__xss(N)//">`,
  `<meta http-equiv="refresh" content="0;url=javascript:__xss(N)">`,
].map((p, i) => p.replaceAll("N", String(i + 1)));

/** Installed in every page before any of its scripts: the hook, and a CSP-violation log. */
function installProbe() {
  window.__xssHits = [];
  window.__xss = (n) => window.__xssHits.push(n);
  window.__cspViolations = [];
  document.addEventListener("securitypolicyviolation", (e) =>
    window.__cspViolations.push(`${e.violatedDirective} ${e.blockedURI} ${e.sample ?? ""}`),
  );
}

/** Live markup a payload would leave behind if it had been parsed as HTML (shadow roots too). */
function liveMarkup() {
  const found = [];
  const walk = (root) => {
    for (const el of root.querySelectorAll("*")) {
      for (const a of el.attributes) {
        const v = a.value.trim().toLowerCase();
        if (a.name.startsWith("on") && v.includes("__xss")) found.push(`${el.tagName} ${a.name}`);
        if (["href", "src", "action", "formaction", "data"].includes(a.name) && v.startsWith("javascript:"))
          found.push(`${el.tagName} ${a.name}=${v}`);
      }
      if (["SCRIPT", "IFRAME", "OBJECT", "EMBED", "BASE"].includes(el.tagName) && (el.textContent + (el.getAttribute("srcdoc") ?? "")).includes("__xss"))
        found.push(el.tagName);
      if (el.shadowRoot) walk(el.shadowRoot);
    }
  };
  walk(document);
  return found;
}

/** Everything a page has shown of the payloads so far. */
async function verdict(page) {
  return page.evaluate(liveMarkup).then(async (markup) => ({
    hits: await page.evaluate(() => window.__xssHits ?? []),
    csp: await page.evaluate(() => window.__cspViolations ?? []),
    markup,
  }));
}

/** A valid bundle for the demo site with payload `p` in every free-text field. */
function hostileBundle(p, n) {
  const b = JSON.parse(readFileSync(join(ROOT, "crates/engine/examples/bundle.json"), "utf8"));
  b.id = randomUUID();
  b.conversation_id = randomUUID();
  b.customer.name = `Dana ${p}`;
  b.customer.email = `dana${n}@example.com${p}`;
  b.customer.attributes = { plan: p, [`note ${p}`]: p };
  b.page.title = `Order ${p}`;
  b.page.url = n % 2 ? `javascript:__xss(${n})` : `https://shop.example.com/?q=${p}#${p}`;
  b.summary = `Summary ${p}`;
  for (const t of b.transcript) if (t.role === "customer") t.text = `${t.text} ${p}`;
  b.topic = "billing";
  return b;
}

describe("cross-site scripting", () => {
  let server;
  let browser;
  const htmlPages = new Map(); // url → content-security-policy header
  let dialogs = 0;

  useServerAndBrowser((s, b) => {
    server = s;
    browser = b;
  });

  async function probedPage() {
    const page = await newPage(browser, DESKTOP);
    await page.addInitScript(installProbe);
    page.on("dialog", (d) => {
      dialogs++;
      d.dismiss().catch(() => {});
    });
    page.on("response", (r) => {
      const ct = r.headers()["content-type"] ?? "";
      if (ct.startsWith("text/html") && new URL(r.url()).origin === server.base) {
        htmlPages.set(new URL(r.url()).pathname, r.headers()["content-security-policy"] ?? "");
      }
    });
    return page;
  }

  test("payloads in real bundles, rendered in the console and dashboard: zero executions", async () => {
    let accepted = 0;
    for (const [i, p] of PAYLOADS.entries()) {
      const res = await fetch(server.url("/v1/handoffs"), {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(hostileBundle(p, i + 1)),
      });
      const body = await res.json();
      assert.ok(res.status === 201 || res.status === 400, `${res.status} ${JSON.stringify(body)}`);
      if (res.status === 201) accepted++;
    }
    assert.ok(accepted >= PAYLOADS.length - 2, `most hostile bundles are stored (${accepted}/${PAYLOADS.length})`);

    const page = await probedPage();
    await page.goto(server.url("/console/login"));
    await page.fill('input[name="email"]', AGENT.email);
    await page.fill('input[name="password"]', AGENT.password);
    await Promise.all([page.waitForURL(/\/console$/), page.click('button[type="submit"]')]);

    const queues = await page.$$eval("a.card.queue", (as) => as.map((a) => a.getAttribute("href")));
    const handoffs = new Set();
    for (const q of queues) {
      await page.goto(server.url(q));
      for (const h of await page.$$eval("a.card.item", (as) => as.map((a) => a.getAttribute("href")))) handoffs.add(h);
    }
    assert.ok(handoffs.size >= accepted, `every stored handoff is listed (${handoffs.size}/${accepted})`);
    const seen = [];
    for (const h of handoffs) {
      await page.goto(server.url(h));
      await page.locator("#reasons").waitFor();
      // Hover and focus everything a payload may have attached a handler to.
      await page.mouse.move(10, 10);
      await page.mouse.move(600, 400);
      await page.waitForTimeout(50);
      seen.push({ h, ...(await verdict(page)) });
    }
    await page.goto(server.url("/console/dashboard"));
    await page.waitForTimeout(200);
    seen.push({ h: "/console/dashboard", ...(await verdict(page)) });
    await page.goto(server.url("/console"));
    seen.push({ h: "/console", ...(await verdict(page)) });

    const bad = seen.filter((s) => s.hits.length || s.csp.length || s.markup.length);
    console.log(
      `XSS console: ${PAYLOADS.length} payloads × 8 fields in ${accepted} bundles, ${seen.length} pages rendered, ` +
        `executions ${bad.reduce((n, s) => n + s.hits.length, 0)}, dialogs ${dialogs}, ` +
        `CSP violations ${bad.reduce((n, s) => n + s.csp.length, 0)}, live markup ${bad.reduce((n, s) => n + s.markup.length, 0)}`,
    );
    assert.deepEqual(bad, [], "no payload ran, tripped the CSP or became markup");
    assert.equal(dialogs, 0);
    assert.deepEqual(page.errors().filter((e) => !e.includes("favicon")), []);
  });

  test("payloads typed into the widget, identified as the customer and sent by an agent: zero executions", async () => {
    const n = PAYLOADS.length;
    const pick = [0, 1, 2, 4, 6, 9, 12, 13, 17, 18, 24].map((i) => PAYLOADS[i]);
    const customer = await probedPage();
    // The host page's own URL and title carry a payload too (the widget copies them).
    await customer.addInitScript((p) => {
      window.Baton = window.Baton || function () { (window.Baton.q = window.Baton.q || []).push(arguments); };
      window.Baton("identify", { id: "x1", email: `e@example.com${p}`, name: `Eve ${p}`, plan: p });
      document.addEventListener("DOMContentLoaded", () => { document.title = `Shop ${p}`; });
    }, PAYLOADS[1]);
    const widget = new Widget(customer);
    await widget.load(server.url(`/?q=${encodeURIComponent(PAYLOADS[0])}#${encodeURIComponent(PAYLOADS[2])}`));
    await widget.open();
    // Any of these messages may already escalate; the button settles it either way.
    const posted = nextHandoffResponse(customer, 30_000);
    for (const p of pick.slice(0, 5)) {
      await widget.send(`hello ${p}`);
      await widget.myMessages().last().waitFor();
    }
    await widget.send(`I want to talk to a human ${pick[5]}`);
    await widget.humanButton().click({ timeout: 3_000 }).catch(() => {});
    const { status, body, request } = await posted;
    assert.equal(status, 201, JSON.stringify(body));
    const sent = request.postDataJSON();
    assert.ok(sent.customer.name.includes("onerror"), "the payload reached the bundle as text");

    // The agent opens it and replies with payloads: the widget renders agent text too.
    const agent = await probedPage();
    await agent.goto(server.url("/console/login"));
    await agent.fill('input[name="email"]', AGENT.email);
    await agent.fill('input[name="password"]', AGENT.password);
    await Promise.all([agent.waitForURL(/\/console$/), agent.click('button[type="submit"]')]);
    await agent.goto(server.url(`/console/handoffs/${body.id}`));
    await agent.locator("#reasons").waitFor();
    await Promise.all([agent.waitForURL(/\/console\/handoffs\//), agent.click("#claim")]);
    for (const [i, p] of pick.slice(5).entries()) {
      await agent.fill("#reply-text", `Agent says ${p}`);
      await agent.press("#reply-text", "Enter");
      // Each reply is on the agent's live log before the next is typed.
      await agent.locator("#live .msg.agent").nth(i).waitFor({ timeout: 15_000 });
    }
    await customer.locator(".msg.agent").nth(pick.length - 6).waitFor({ timeout: 15_000 });
    // The customer writes back after the handoff (live relay into the console).
    await widget.send(`live ${pick[3]}`);
    await agent.locator("#live .msg.customer .text").first().waitFor({ timeout: 15_000 });
    await customer.mouse.move(5, 5);
    await customer.mouse.move(900, 600);
    await agent.mouse.move(5, 5);
    await agent.mouse.move(900, 600);
    await customer.waitForTimeout(200);

    const results = { widget: await verdict(customer), console: await verdict(agent) };
    const shown = await customer.locator(".msg.me").allInnerTexts();
    assert.ok(shown.some((t) => t.includes("<script>")), "payloads are shown as text in the widget");
    console.log(
      `XSS widget: ${pick.length} payloads typed/identified/replied (+3 in URL, title), ` +
        `executions widget ${results.widget.hits.length} console ${results.console.hits.length}, dialogs ${dialogs}, ` +
        `CSP violations ${results.widget.csp.length + results.console.csp.length}, ` +
        `live markup ${results.widget.markup.length + results.console.markup.length} (of ${n} in the corpus)`,
    );
    assert.deepEqual(results, {
      widget: { hits: [], csp: [], markup: [] },
      console: { hits: [], csp: [], markup: [] },
    });
    assert.equal(dialogs, 0);
  });

  test("control: the same probe does catch payloads that are rendered as HTML", async () => {
    // Without this, "zero executions" could mean a blind probe.
    const page = await newPage(browser, DESKTOP);
    await page.addInitScript(installProbe);
    const url = `${server.base}/xss-control`;
    await page.route(url, (r) =>
      r.fulfill({ contentType: "text/html", body: `<!doctype html><body>${PAYLOADS.slice(0, 3).join("")}</body>` }),
    );
    await page.goto(url);
    await page.waitForTimeout(300);
    const v = await verdict(page);
    assert.ok(v.hits.length >= 2, `probe saw ${JSON.stringify(v)}`);
    assert.ok(v.markup.length >= 2, `markup check saw ${JSON.stringify(v)}`);
    await page.context().close();
  });

  test("every HTML page the server sends carries a strict Content-Security-Policy", async () => {
    // Pages the tests above did not reach are fetched directly.
    for (const path of ["/", "/console/login", "/console/handoffs/nope"]) {
      const res = await fetch(server.url(path), { redirect: "manual" });
      if ((res.headers.get("content-type") ?? "").startsWith("text/html")) {
        htmlPages.set(path, res.headers.get("content-security-policy") ?? "");
      }
      await res.arrayBuffer();
    }
    assert.ok(htmlPages.size >= 4, `HTML pages seen: ${[...htmlPages.keys()]}`);
    const weak = [];
    for (const [path, csp] of htmlPages) {
      const d = Object.fromEntries(
        csp.split(";").map((s) => s.trim()).filter(Boolean).map((s) => [s.split(/\s+/)[0], s.split(/\s+/).slice(1)]),
      );
      const script = d["script-src"] ?? d["default-src"];
      const problems = [];
      if (!script) problems.push("no script-src/default-src");
      else if (script.some((s) => ["'unsafe-inline'", "'unsafe-eval'", "*", "data:", "http:", "https:"].includes(s)))
        problems.push(`script-src ${script.join(" ")}`);
      if (!d["frame-ancestors"]) problems.push("no frame-ancestors");
      if (!d["base-uri"]) problems.push("no base-uri");
      if (!(d["object-src"] ?? d["default-src"])) problems.push("no object-src/default-src");
      if (problems.length) weak.push(`${path}: ${problems.join(", ")} [${csp}]`);
    }
    console.log(`CSP: ${htmlPages.size} HTML pages checked: ${[...htmlPages.keys()].join(" ")}`);
    assert.deepEqual(weak, []);
  });
});
