// The product: a customer who asks for a person is handed over at once, the bundle reaches
// the server exactly once, the server routes and stores it, and the agent sees it.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { DESKTOP, newPage, screenshot } from "./harness/browser.mjs";
import { Widget, nextHandoffResponse } from "./harness/widget.mjs";
import { useServerAndBrowser } from "./harness/suite.mjs";

/** Polls `probe` until it returns a truthy value or `timeout` ms pass. */
async function eventually(probe, timeout = 10_000, what = "condition") {
  const deadline = Date.now() + timeout;
  let last;
  while (Date.now() < deadline) {
    last = await probe();
    if (last) return last;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out after ${timeout} ms waiting for ${what} (last: ${JSON.stringify(last)})`);
}

describe("handoff to a human", () => {
  let server;
  let browser;

  useServerAndBrowser((s, b) => {
    server = s;
    browser = b;
  });

  test("asking for a person in words shows the notice and stores one bundle", async () => {
    const before = (await server.metric("baton_handoffs_stored")) ?? 0;
    const page = await newPage(browser, DESKTOP);
    const widget = new Widget(page);
    await widget.load(server.url("/"));
    await widget.open();

    const posted = nextHandoffResponse(page);
    await widget.send("I want to talk to a human please");
    // The engine decides in the browser: the notice needs no server round trip.
    await widget.handoffNotice().waitFor({ state: "visible", timeout: 2_000 });

    const { status, body, request } = await posted;
    assert.equal(status, 201, `first post is created: ${JSON.stringify(body)}`);
    assert.equal(body.status, "queued");
    assert.ok(body.route?.queue, `routed to a queue: ${JSON.stringify(body)}`);
    const bundle = request.postDataJSON();
    assert.equal(request.headers()["idempotency-key"], bundle.id, "idempotency key is the bundle id");
    assert.ok(
      bundle.reasons.some((r) => r.trigger === "human_request"),
      `reasons name human_request: ${JSON.stringify(bundle.reasons)}`,
    );
    assert.ok(
      bundle.transcript.some((t) => t.role === "customer" && /talk to a human/.test(t.text)),
      "the transcript carries the customer's words",
    );

    await eventually(
      async () => (await widget.handoffNotice().getAttribute("data-state")) === "delivered",
      10_000,
      "the notice to say delivered",
    );
    const stored = await eventually(
      async () => {
        const n = (await server.metric("baton_handoffs_stored")) ?? 0;
        return n > before ? n : 0;
      },
      10_000,
      "baton_handoffs_stored to grow",
    );
    assert.equal(stored, before + 1, "stored exactly once");
    await screenshot(page, "widget-handoff-1280");

    // The agent sees it: reason first, and the customer's own words, without asking again.
    const agent = await newPage(browser, DESKTOP);
    await agent.goto(server.url("/console/login"));
    await agent.fill('input[name="email"]', "alex@northwind.example");
    await agent.fill('input[name="password"]', "northwind-demo");
    await agent.click('button[type="submit"]');
    await agent.waitForURL((u) => !u.pathname.startsWith("/console/login"), { timeout: 10_000 });
    const view = await agent.goto(server.url(`/console/handoffs/${body.id}`));
    assert.equal(view.status(), 200, "the stored handoff opens in the console");
    const text = await agent.locator("body").innerText();
    assert.match(text, /I want to talk to a human please/, "the transcript is there");
    assert.match(text, /human_request/, "the reason's rule is shown");
    await screenshot(agent, "console-handoff-1280");
    assert.deepEqual(agent.errors(), [], "no console errors in the agent console");
    await agent.context().close();
    assert.deepEqual(page.errors(), [], "no console errors or uncaught exceptions");
    await page.context().close();
  });

  test('the "Talk to a person" button hands over at once', async () => {
    const page = await newPage(browser, DESKTOP);
    const widget = new Widget(page);
    await widget.load(server.url("/"));
    await widget.open();

    const posted = nextHandoffResponse(page);
    await widget.humanButton().click();
    await widget.handoffNotice().waitFor({ state: "visible", timeout: 2_000 });
    const { status, body, request } = await posted;
    assert.equal(status, 201, JSON.stringify(body));
    assert.ok(
      request.postDataJSON().reasons.some((r) => r.trigger === "human_request"),
      "the button counts as a human request",
    );
    assert.deepEqual(page.errors(), [], "no console errors or uncaught exceptions");
    await page.context().close();
  });
});
