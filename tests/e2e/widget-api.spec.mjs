// The site owner's and developer's view of the widget: one script tag, the window.Baton
// command queue called before the script loads, no other globals, and how fast it paints.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { DESKTOP, newPage } from "./harness/browser.mjs";
import { Widget, nextHandoffResponse } from "./harness/widget.mjs";
import { useServerAndBrowser } from "./harness/suite.mjs";

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

  useServerAndBrowser((s, b) => {
    server = s;
    browser = b;
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
    const note = bundle.transcript.at(-1);
    assert.deepEqual([note.role, note.text], ["system", "Reason given by the site: VIP customer"], "the site's reason reaches the agent");
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

  test("ending a bot-resolved chat asks for a 1-5 rating and posts it", async () => {
    const page = await newPage(browser, DESKTOP);
    const widget = new Widget(page);
    await widget.load(server.url("/"));
    await widget.open();
    await widget.send("How long does shipping take?");
    await widget.nthBotAnswer(1);
    await page.getByRole("button", { name: "End chat" }).click();
    const posted = page.waitForResponse(
      (r) => r.request().method() === "POST" && new URL(r.url()).pathname === "/v1/csat",
      { timeout: 10_000 },
    );
    await page.getByRole("button", { name: "4 of 5" }).click();
    const res = await posted;
    assert.equal(res.status(), 201, await res.text());
    const body = res.request().postDataJSON();
    assert.equal(body.rating, 4);
    assert.equal(body.site, "demo");
    await page.getByText("Thank you for your rating!").waitFor();
    assert.ok(await widget.input().isDisabled(), "an ended conversation takes no more messages");
    await page.getByRole("button", { name: "Start a new conversation" }).click();
    await page.waitForFunction(() => {
      const input = document.querySelector("[data-baton]").shadowRoot.querySelector("#baton-input");
      return input && !input.disabled;
    });
    assert.equal(await widget.botMessages().count(), 0, "a fresh conversation");
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
    await page.evaluate(() =>
      document.addEventListener("click", () => performance.mark("test:click"), { capture: true, once: true }),
    );
    await widget.open();
    await page.waitForFunction(() => performance.getEntriesByName("baton:input-ready").length > 0);
    const open = await page.evaluate(() => {
      const click = performance.getEntriesByName("test:click")[0];
      const ready = performance.getEntriesByName("baton:input-ready")[0];
      const mounted = performance.getEntriesByName("baton:mounted")[0];
      const script = performance.getEntriesByType("resource").find((e) => e.name.endsWith("/pkg/baton.js"));
      return {
        clickToReady: ready.startTime - click.startTime,
        scriptToMounted: mounted ? mounted.startTime - script.startTime : null,
        loaderClick: performance.getEntriesByName("baton:click").length > 0,
      };
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
      script_to_widget_mounted_ms: open.scriptToMounted === null ? null : +open.scriptToMounted.toFixed(1),
      click_to_input_ready_ms: +open.clickToReady.toFixed(1),
      click_before_wasm_loaded: open.loaderClick,
      enter_to_handoff_dom_ms: +(t.dom - t.enter).toFixed(2),
      enter_to_next_frame_ms: +(t.frame - t.enter).toFixed(2),
    };
    // Cold click: the browser never went idle, so the first click loads the wasm.
    const cold = await newPage(browser, DESKTOP);
    await cold.addInitScript(() => {
      window.requestIdleCallback = () => 0;
    });
    const coldWidget = new Widget(cold);
    await coldWidget.load(server.url("/"));
    await cold.waitForFunction(() => performance.getEntriesByName("baton:launcher").length > 0);
    await coldWidget.open();
    await cold.waitForFunction(() => performance.getEntriesByName("baton:input-ready").length > 0);
    report.cold_click_to_input_ready_ms = await cold.evaluate(() =>
      +(performance.getEntriesByName("baton:input-ready")[0].startTime -
        performance.getEntriesByName("baton:click")[0].startTime).toFixed(1),
    );
    await cold.context().close();
    console.log(`widget timings: ${JSON.stringify(report)}`);
    assert.ok(t.dom - t.enter < 50, `handoff in the DOM within the task after Enter: ${JSON.stringify(report)}`);
    await page.context().close();
  });
});
