// After the handoff the customer keeps chatting with the human in the same panel: the agent
// (driving the real console in a second browser context) claims and replies, the customer
// sees "Alex joined" and the reply live, answers back (relayed to the agent), and when the
// agent closes the conversation the widget asks for a rating. The bot stays silent throughout.
import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import { DESKTOP, newPage, screenshot } from "./harness/browser.mjs";
import { Widget, nextHandoffResponse } from "./harness/widget.mjs";
import { useServerAndBrowser } from "./harness/suite.mjs";

describe("live chat with a human", () => {
  let server;
  let browser;

  useServerAndBrowser((s, b) => {
    server = s;
    browser = b;
  });

  test("agent joins and replies in the same panel; closing asks for CSAT", async () => {
    const customer = await newPage(browser, DESKTOP);
    const widget = new Widget(customer);
    await widget.load(server.url("/"));
    await widget.open();
    await widget.send("Where is my order?");
    await widget.nthBotAnswer(1);
    const posted = nextHandoffResponse(customer);
    await widget.humanButton().click();
    const { body } = await posted;
    await customer.locator('.status .handoff[data-state="delivered"]').waitFor({ timeout: 10_000 });

    const agent = await newPage(browser, DESKTOP);
    await agent.goto(server.url("/console/login"));
    await agent.locator('input[name="email"]').fill("alex@northwind.example");
    await agent.locator('input[name="password"]').fill("northwind-demo");
    await agent.locator('input[name="password"]').press("Enter");
    await agent.waitForURL((u) => !u.pathname.endsWith("/login"));
    await agent.goto(server.url(`/console/handoffs/${body.id}`));
    await agent.locator("#claim").click();
    await customer.locator('.status .handoff[data-state="joined"]').waitFor({ timeout: 10_000 });
    assert.match(await widget.handoffNotice().innerText(), /Alex/);

    await agent.locator("#reply-text").fill("Hi, Alex here. Let me look up your parcel.");
    await agent.locator("#reply-text").press("Control+Enter").catch(() => {});
    if (await agent.locator("#reply-text").inputValue()) await agent.locator("#reply button[type=submit]").click();
    await customer.locator(".msg.agent", { hasText: "Alex here" }).waitFor({ timeout: 10_000 });

    const relayed = customer.waitForRequest(
      (r) => r.method() === "POST" && new URL(r.url()).pathname.endsWith("/messages"),
    );
    await widget.send("Thanks! It's order 1042.");
    await customer.locator(".msg.me:not(.pending)", { hasText: "order 1042" }).waitFor({ timeout: 10_000 });
    // The outbox entry key travels as Idempotency-Key, so a retried message is stored once.
    assert.match((await relayed).headers()["idempotency-key"] ?? "", /^msg:[^:]+:\d+:\d+$/);
    await agent.reload();
    await agent.getByText("order 1042").first().waitFor({ timeout: 10_000 });
    assert.equal(await widget.botMessages().count(), 1, "the bot said nothing after the handoff");
    await screenshot(customer, "widget-live-agent-1280");

    // The customer's page is away (a reload) while the agent writes: the new live connection
    // resumes after the last event seen (?after=), so that reply arrives, and nothing repeats.
    await customer.goto("about:blank");
    const replied = agent.waitForResponse((r) => new URL(r.url()).pathname.endsWith("/reply"));
    await agent.locator("#reply-text").fill("Found it: your parcel ships today.");
    await agent.locator("#reply-text").press("Control+Enter").catch(() => {});
    if (await agent.locator("#reply-text").inputValue()) await agent.locator("#reply button[type=submit]").click();
    await replied;
    const resumed = customer.waitForRequest((r) => new URL(r.url()).pathname.endsWith("/live"));
    await customer.goto(server.url("/"));
    assert.match(new URL((await resumed).url()).searchParams.get("after") ?? "", /^[1-9]\d*$/);
    await customer.locator(".msg.agent", { hasText: "ships today" }).waitFor({ timeout: 15_000 });
    await customer.waitForTimeout(500);
    assert.equal(await customer.locator(".msg.agent", { hasText: "Alex here" }).count(), 1, "no replay");
    assert.equal(await customer.locator(".msg.agent", { hasText: "ships today" }).count(), 1);

    await agent.locator('input[name="repeat"][value="no"]').check();
    await agent.locator("#close").click();
    await customer.getByRole("button", { name: "5 of 5" }).waitFor({ timeout: 10_000 });
    const csat = customer.waitForResponse((r) => new URL(r.url()).pathname === "/v1/csat");
    await customer.getByRole("button", { name: "5 of 5" }).click();
    assert.equal((await csat).status(), 201);
    assert.deepEqual(customer.errors(), []);
    await customer.context().close();
    await agent.context().close();
  });

  test("two tabs of one conversation show one handoff and both open the live chat", async () => {
    const a = await newPage(browser, DESKTOP);
    const b = await a.context().newPage(); // same origin, same localStorage
    const posts = [];
    a.context().on("request", (r) => {
      if (r.method() === "POST" && new URL(r.url()).pathname === "/v1/handoffs") posts.push(r);
    });
    const wa = new Widget(a);
    await wa.load(server.url("/"));
    await wa.open();
    await wa.send("Where is my order?");
    await wa.nthBotAnswer(1);
    const wb = new Widget(b);
    await wb.load(server.url("/"));
    await wb.input().waitFor({ state: "visible", timeout: 15_000 });
    await wb.myMessages().first().waitFor({ timeout: 10_000 });

    const bLive = b.waitForRequest((r) => new URL(r.url()).pathname.endsWith("/live"), { timeout: 15_000 });
    await wa.humanButton().click();
    await a.locator('.status .handoff[data-state="delivered"]').waitFor({ timeout: 10_000 });
    await b.locator('.status .handoff[data-state="delivered"]').waitFor({ timeout: 10_000 });
    await bLive;
    assert.equal(await wb.humanButton().getAttribute("aria-disabled"), "true", "tab B knows it is handed over");
    await wb.send("Hello from the other tab");
    await b.locator(".msg.me:not(.pending)", { hasText: "other tab" }).waitFor({ timeout: 10_000 });
    await a.locator(".msg.me", { hasText: "other tab" }).waitFor({ timeout: 10_000 });
    assert.equal(posts.length, 1, "one bundle for the conversation, from the tab that escalated");
    assert.deepEqual(a.errors(), []);
    await a.context().close();
  });

  test("a live channel that fails (an older server: 404) backs off quietly and says so", async () => {
    const page = await newPage(browser, DESKTOP);
    const hits = [];
    await page.route(/\/v1\/conversations\/[^/]+\/live/, (route) => {
      hits.push(Date.now());
      route.fulfill({ status: 404, contentType: "application/json", body: '{"error":{"code":"not_found","message":"not found"}}' });
    });
    const widget = new Widget(page);
    await widget.load(server.url("/"));
    await widget.open();
    await widget.humanButton().click();
    const offline = page.locator('.status .handoff[data-state="offline"]');
    await offline.waitFor({ timeout: 15_000 });
    assert.match(await offline.innerText(), /Live chat is unavailable/);
    await page.waitForTimeout(4_000);
    // Reopened on a growing schedule (~1 s, 2 s, 4 s, …), not in a loop.
    const gaps = hits.slice(1).map((t, i) => t - hits[i]);
    assert.ok(hits.length >= 3 && hits.length <= 6, `live attempts: ${hits.length}`);
    assert.ok(gaps.at(-1) >= 1_000, `gaps: ${gaps}`);
    const ours = page.errors().filter((e) => !e.includes("Failed to load resource") && !e.includes("EventSource"));
    assert.deepEqual(ours, [], "no errors of our own");
    assert.ok(page.errors().length <= 2 * hits.length, `one browser line per attempt at most: ${page.errors()}`);
    await page.context().close();
  });
});
