// The site owner's and developer's view of the widget: one script tag, the window.Baton
// command queue called before the script loads, no other globals, and how fast it paints.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { DESKTOP, launchBrowser, newPage } from "./harness/browser.mjs";
import { startServer } from "./harness/server.mjs";
import { Widget, nextHandoffResponse } from "./harness/widget.mjs";

/** The snippet a developer pastes above the script tag to call Baton before it loads. */
function queueBeforeLoad() {
  window.Baton = window.Baton || function () { (window.Baton.q = window.Baton.q || []).push(arguments); };
  window.Baton("identify", { id: "cust-42", email: "ada@example.com", name: "Ada Lovelace", plan: "summit" });
  window.Baton("on", "escalate", (detail) => {
    document.documentElement.dataset.escalations = String(Number(document.documentElement.dataset.escalations || 0) + 1);
    document.documentElement.dataset.escalationReason = detail.reasons[0].trigger;
  });
  window.Baton("open");
}

describe("embedding API", () => {
  let server;
  let browser;

  before(async () => {
    server = await startServer();
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  test("commands queued before the script loads run in order once it does", async () => {
    const page = await newPage(browser, DESKTOP);
    await page.addInitScript(queueBeforeLoad);
    const widget = new Widget(page);
    await page.goto(server.url("/"));
    // Baton('open') was queued: the panel opens without a click.
    await widget.input().waitFor({ state: "visible", timeout: 15_000 });
    assert.ok(await widget.humanButton().isVisible());

    const posted = nextHandoffResponse(page);
    await page.evaluate(() => window.Baton("handoff", { reason: "VIP customer" }));
    await widget.handoffNotice().waitFor({ state: "visible", timeout: 2_000 });
    const { status, request } = await posted;
    assert.equal(status, 201);
    const bundle = request.postDataJSON();
    assert.equal(bundle.customer.id, "cust-42", "identify reached the bundle");
    assert.equal(bundle.customer.email, "ada@example.com");
    assert.equal(bundle.customer.name, "Ada Lovelace");
    assert.equal(bundle.customer.attributes.plan, "summit");
    assert.equal(bundle.customer.verified, false, "no user_hash given: not verified");
    const fired = await page.evaluate(() => document.documentElement.dataset.escalations);
    assert.equal(fired, "1", "Baton('on','escalate') listener called once");
    assert.equal(await page.evaluate(() => document.documentElement.dataset.escalationReason), "human_request");

    await page.evaluate(() => window.Baton("close"));
    await widget.input().waitFor({ state: "hidden", timeout: 2_000 });
    await page.evaluate(() => window.Baton("open"));
    await widget.input().waitFor({ state: "visible", timeout: 2_000 });
    assert.deepEqual(page.errors(), []);
    await page.context().close();
  });

  test("no globals besides window.Baton; shutdown removes the widget", async () => {
    const page = await newPage(browser, DESKTOP);
    await page.addInitScript(() => {
      Object.defineProperty(window, "__globalsBefore", {
        value: Object.getOwnPropertyNames(window),
        enumerable: false,
      });
    });
    const widget = new Widget(page);
    await widget.load(server.url("/"));
    await widget.open();
    await widget.send("hi");
    await widget.nthBotAnswer(1);
    const added = await page.evaluate(() => {
      const before = new Set(window.__globalsBefore);
      return Object.getOwnPropertyNames(window).filter((k) => !before.has(k) && k !== "__globalsBefore");
    });
    assert.deepEqual(added, ["Baton"], "only window.Baton is added");
    assert.equal(await page.locator("[data-baton]").count(), 1, "one host element");
    await page.evaluate(() => window.Baton("shutdown"));
    await page.locator("[data-baton]").waitFor({ state: "detached", timeout: 2_000 });
    const stored = await page.evaluate(() => localStorage.getItem("baton:demo:session"));
    assert.equal(stored, null, "the transcript is forgotten on shutdown (logout)");
    assert.deepEqual(page.errors(), []);
    await page.context().close();
  });

  test("timings: launcher paint, click to input, Enter to handoff painted", async () => {
    const page = await newPage(browser, DESKTOP);
    const widget = new Widget(page);
    await widget.load(server.url("/"));
    await page.waitForFunction(() => performance.getEntriesByName("baton:launcher").length > 0);
    const launcher = await page.evaluate(() => {
      const script = performance.getEntriesByType("resource").find((e) => e.name.endsWith("/pkg/baton.js"));
      const mark = performance.getEntriesByName("baton:launcher")[0];
      return { scriptStart: script.startTime, launcher: mark.startTime };
    });
    // First click on a cold page (wasm maybe not loaded yet, depending on idle timing).
    await widget.open();
    await page.waitForFunction(() => performance.getEntriesByName("baton:input-ready").length > 0);
    const open = await page.evaluate(() => {
      const click = performance.getEntriesByName("baton:click")[0];
      const ready = performance.getEntriesByName("baton:input-ready")[0];
      return click ? ready.startTime - click.startTime : null;
    });
    await page.evaluate(() => {
      const root = document.querySelector("[data-baton]").shadowRoot;
      const t = {};
      document.documentElement.dataset.t = "";
      document.addEventListener("keydown", (e) => { if (e.key === "Enter") t.enter = performance.now(); }, true);
      new MutationObserver(() => {
        if (!t.dom && root.querySelector(".status .handoff")) {
          t.dom = performance.now();
          requestAnimationFrame(() => {
            t.frame = performance.now();
            document.documentElement.dataset.t = JSON.stringify(t);
          });
        }
      }).observe(root, { subtree: true, childList: true });
    });
    await widget.send("I want to talk to a human");
    await page.waitForFunction(() => document.documentElement.dataset.t !== "");
    const t = JSON.parse(await page.evaluate(() => document.documentElement.dataset.t));
    const report = {
      script_to_launcher_ms: +(launcher.launcher - launcher.scriptStart).toFixed(1),
      click_to_input_ready_ms: open === null ? "wasm preloaded (no loader click)" : +open.toFixed(1),
      enter_to_handoff_dom_ms: +(t.dom - t.enter).toFixed(2),
      enter_to_next_frame_ms: +(t.frame - t.enter).toFixed(2),
    };
    console.log(`widget timings: ${JSON.stringify(report)}`);
    assert.ok(t.dom - t.enter < 50, `handoff in the DOM within the task after Enter: ${JSON.stringify(report)}`);
    await page.context().close();
  });
});
