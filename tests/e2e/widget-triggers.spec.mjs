// Each of the five triggers, end to end on the demo shop: the customer's words go through
// the engine in the browser, the handoff notice is painted, and the bundle the server
// receives names the trigger with its evidence. One bundle per conversation, complete.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { DESKTOP, newPage } from "./harness/browser.mjs";
import { Widget, nextHandoffResponse } from "./harness/widget.mjs";
import { useServerAndBrowser } from "./harness/suite.mjs";

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** Sends the customer's lines one by one (waiting for a bot answer after each but the last)
 * and returns the handoff bundle posted after the last one. */
async function converse(widget, page, lines) {
  const posted = nextHandoffResponse(page, 20_000);
  for (const [i, line] of lines.entries()) {
    await widget.send(line);
    if (i < lines.length - 1) await widget.nthBotAnswer(i + 1);
  }
  await widget.handoffNotice().waitFor({ state: "visible", timeout: 5_000 });
  const { status, body, request } = await posted;
  assert.equal(status, 201, JSON.stringify(body));
  return request.postDataJSON();
}

function triggers(bundle) {
  return bundle.reasons.map((r) => r.trigger);
}

describe("the five triggers, end to end", () => {
  let server;
  let browser;

  useServerAndBrowser((s, b) => {
    server = s;
    browser = b;
  });

  async function fresh() {
    const page = await newPage(browser, DESKTOP);
    const widget = new Widget(page);
    await widget.load(server.url("/"));
    await widget.open();
    return { page, widget };
  }

  test("human_request: asked in words, in another language too", async () => {
    for (const line of ["can I speak to a real person?", "quiero hablar con una persona"]) {
      const { page, widget } = await fresh();
      const bundle = await converse(widget, page, [line]);
      assert.ok(triggers(bundle).includes("human_request"), `${line}: ${JSON.stringify(bundle.reasons)}`);
      assert.equal(await widget.botMessages().count(), 0, "the bot does not answer a request for a person");
      await page.context().close();
    }
  });

  test("low_confidence: a question the knowledge base cannot answer is withheld", async () => {
    const { page, widget } = await fresh();
    const bundle = await converse(widget, page, ["does the Fjell jacket work as a parachute for base jumping off volcanoes"]);
    assert.ok(triggers(bundle).includes("low_confidence"), JSON.stringify(bundle.reasons));
    const withheld = bundle.transcript.filter((t) => t.withheld);
    assert.equal(withheld.length, 1, "the weak answer is in the bundle, marked withheld");
    assert.equal(await widget.botMessages().count(), 0, "…and never shown");
    if (withheld[0].text) {
      const shown = await widget.log().innerText();
      assert.ok(!shown.includes(withheld[0].text), "the withheld text is not on screen");
    }
    await page.context().close();
  });

  test("frustration: a furious message", async () => {
    const { page, widget } = await fresh();
    const bundle = await converse(widget, page, [
      "This is absolutely ridiculous!!! Worst service I have ever had, I am furious",
    ]);
    assert.ok(triggers(bundle).includes("frustration"), JSON.stringify(bundle.reasons));
    assert.ok(bundle.sentiment.some((s) => s.score < 0), "negative sentiment recorded");
    await page.context().close();
  });

  test("high_risk: a refund above the site's threshold", async () => {
    const { page, widget } = await fresh();
    const bundle = await converse(widget, page, ["I need a refund of $420 for my order"]);
    assert.ok(triggers(bundle).includes("high_risk"), JSON.stringify(bundle.reasons));
    await page.context().close();
  });

  test("restatement: the same problem a third time after two answers", async () => {
    const { page, widget } = await fresh();
    const bundle = await converse(widget, page, [
      "where is my order?",
      "my order still hasn't arrived, where is it",
      "I already checked the tracking and my package is still not here",
    ]);
    const t = triggers(bundle);
    assert.ok(t.includes("restatement"), JSON.stringify(bundle.reasons));
    assert.ok(bundle.attempts.length >= 2, "both bot attempts are in the bundle");
    await page.context().close();
  });

  test("bundle arrives once, with every section filled", async () => {
    const before = (await server.metric("baton_handoffs_stored")) ?? 0;
    const page = await newPage(browser, DESKTOP);
    await page.addInitScript(() => {
      window.Baton = window.Baton || function () { (window.Baton.q = window.Baton.q || []).push(arguments); };
      window.Baton("identify", { id: "cust-7", email: "kim@example.com", name: "Kim", plan: "summit" });
    });
    const posts = [];
    page.on("request", (r) => {
      if (r.method() === "POST" && new URL(r.url()).pathname === "/v1/handoffs") posts.push(r.postDataJSON().id);
    });
    const widget = new Widget(page);
    await widget.load(server.url("/"));
    await widget.open();
    await widget.send("How long does shipping take?");
    await widget.nthBotAnswer(1);
    await widget.botMessages().first().getByRole("button", { name: "Helpful", exact: true }).click();
    const posted = nextHandoffResponse(page);
    await widget.send("My card 4111 1111 1111 1111 was charged twice, I want a person");
    await widget.handoffNotice().waitFor({ state: "visible", timeout: 5_000 });
    const { status, body, request } = await posted;
    assert.equal(status, 201, JSON.stringify(body));
    const b = request.postDataJSON();

    assert.equal(b.schema, "baton.handoff/v1");
    assert.match(b.id, UUID_V7);
    assert.equal(request.headers()["idempotency-key"], b.id);
    assert.equal(b.site, "demo");
    assert.match(b.conversation_id, UUID_V7);
    assert.ok(b.created_at > 1.7e12, "created_at is Unix ms");
    assert.ok(b.reasons.length >= 1 && b.reasons.every((r) => r.trigger && r.evidence?.rule), JSON.stringify(b.reasons));
    assert.ok(b.route.queue && b.route.priority && b.route.rule, JSON.stringify(b.route));
    assert.ok(b.transcript.length >= 3, "question, answer, escalating message");
    assert.ok(b.transcript.some((t) => t.role === "bot" && t.sources?.length && t.confidence > 0));
    const all = JSON.stringify(b);
    assert.ok(!all.includes("4111 1111 1111 1111") && !all.includes("4111111111111111"), "card number redacted");
    assert.deepEqual(
      { id: b.customer.id, email: b.customer.email, name: b.customer.name, plan: b.customer.attributes.plan },
      { id: "cust-7", email: "kim@example.com", name: "Kim", plan: "summit" },
    );
    assert.equal(b.attempts[0]?.source, "kb:shipping-times", JSON.stringify(b.attempts));
    assert.ok(b.summary.length > 20, b.summary);
    assert.equal(b.sentiment.length, b.transcript.filter((t) => t.role === "customer" && !t.event).length);
    assert.ok(b.page.url.startsWith(server.url("/")) && b.page.title.includes("Northwind") && b.page.locale === "en");
    assert.ok(b.engine.version && b.engine.config_hash, JSON.stringify(b.engine));

    // A reload must not send it again: it was acknowledged.
    await widget.handoffNotice().and(page.locator('[data-state="delivered"]')).waitFor({ timeout: 10_000 });
    await page.reload();
    // The panel was open: it reopens by itself after the reload.
    await widget.input().waitFor({ state: "visible", timeout: 15_000 });
    await widget.handoffNotice().waitFor({ state: "visible", timeout: 5_000 });
    await page.waitForTimeout(1_500);
    assert.deepEqual(posts, [b.id], "exactly one POST /v1/handoffs");
    assert.equal((await server.metric("baton_handoffs_stored")) ?? 0, before + 1, "stored once");
    assert.ok((await widget.log().innerText()).includes("How long does shipping take?"), "transcript survived the reload");
    assert.deepEqual(page.errors(), []);
    await page.context().close();
  });
});
