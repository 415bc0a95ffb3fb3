// The agent console end to end: a customer asks for a person in the widget; an agent logs in,
// sees the handoff in their queue, opens it (reasons first), claims it and replies; the reply
// appears in the widget, and the customer's next message appears in the console — both live.
// Also: no script executes from customer-controlled text, the CSP holds, and screenshots of
// every console page at 1280 and 360 px land in target/screenshots/console-*.png.
import assert from "node:assert/strict";
import { join } from "node:path";
import { describe, test } from "node:test";
import { DESKTOP, PHONE, newPage, screenshot } from "./harness/browser.mjs";
import { ROOT } from "./harness/env.mjs";
import { Widget, nextHandoffResponse } from "./harness/widget.mjs";
import { useServerAndBrowser } from "./harness/suite.mjs";

const AGENT = { email: "alex@northwind.example", password: "northwind-demo" };
const XSS = `<img src=x onerror="window.__xss=1"><script>window.__xss=1</script>`;

/** Console page object: selectors live here only. */
class Console {
  constructor(page, server) {
    this.page = page;
    this.server = server;
  }
  async login() {
    await this.page.goto(this.server.url("/console/login"));
    await this.page.fill('input[name="email"]', AGENT.email);
    await this.page.fill('input[name="password"]', AGENT.password);
    await Promise.all([this.page.waitForURL(/\/console$/), this.page.click('button[type="submit"]')]);
  }
  liveMessages(role) {
    return this.page.locator(`#live .msg.${role} .text`);
  }
}

describe("agent console", () => {
  let server;
  let browser;
  let handoffUrl;

  useServerAndBrowser((s, b) => {
    server = s;
    browser = b;
  });

  test("an agent answers a handoff from the widget, live both ways", async () => {
    // The customer.
    const customerPage = await newPage(browser, DESKTOP);
    const widget = new Widget(customerPage);
    await widget.load(server.url("/"));
    await widget.open();
    const posted = nextHandoffResponse(customerPage);
    await widget.send(`My order never arrived ${XSS} and I want to talk to a human`);
    const { status, body } = await posted;
    assert.equal(status, 201, JSON.stringify(body));
    const queue = body.route.queue;

    // The agent.
    const agentPage = await newPage(browser, DESKTOP);
    const csp = [];
    agentPage.on("response", (r) => {
      if (r.url().includes("/console")) csp.push(r.headers()["content-security-policy"] ?? "");
    });
    const con = new Console(agentPage, server);
    await con.login();
    const card = agentPage.locator(`a.card.queue[href$="/${queue}"]`);
    await card.waitFor({ state: "visible" });
    assert.match(await card.innerText(), /1\s*waiting/);
    await screenshot(agentPage, "console-queues-1280");

    await card.click();
    const item = agentPage.locator("a.card.item").first();
    await item.waitFor({ state: "visible" });
    assert.match(await item.innerText(), /Asked for a person/);
    await screenshot(agentPage, "console-queue-1280");

    await item.click();
    await agentPage.locator("#reasons").waitFor({ state: "visible" });
    // Reasons come first on the page, and the evidence span is highlighted in the turn text.
    const order = await agentPage.evaluate(() =>
      [...document.querySelectorAll("main section h2")].map((h) => h.textContent.trim()),
    );
    assert.equal(order[0], "Why this reached you", `sections: ${order}`);
    assert.ok(order.indexOf("Summary") < order.indexOf("What the bot tried"), `${order}`);
    assert.ok(order.indexOf("What the bot tried") < order.indexOf("Conversation"), `${order}`);
    assert.match(await agentPage.locator("#reasons mark").first().innerText(), /human/i);
    // The customer's markup is text, not markup.
    assert.ok((await agentPage.locator(".transcript").innerText()).includes("<script>"));

    await Promise.all([agentPage.waitForURL(/\/console\/handoffs\//), agentPage.click("#claim")]);
    handoffUrl = agentPage.url();
    await widget.page.locator(".status .handoff[data-state=joined]").waitFor({ timeout: 10_000 });

    // Agent → customer, live.
    await agentPage.fill("#reply-text", "Hi, Alex here. I can see order ORD-1001 — let me check.");
    await agentPage.press("#reply-text", "Enter");
    const agentMsg = customerPage.locator(".msg.agent");
    await agentMsg.first().waitFor({ state: "visible", timeout: 10_000 });
    assert.match(await agentMsg.first().innerText(), /Alex here/);
    await con.liveMessages("agent").first().waitFor({ state: "visible" });

    // Customer → agent, live.
    await widget.send(`Thanks! It was due Monday ${XSS}`);
    const customerMsg = con.liveMessages("customer").first();
    await customerMsg.waitFor({ state: "visible", timeout: 10_000 });
    assert.match(await customerMsg.innerText(), /due Monday <img src=x/);
    await screenshot(agentPage, "console-handoff-1280");
    await screenshot(customerPage, "console-widget-reply-1280");

    // Phone width: same page, single column, no horizontal scroll.
    const phone = await newPage(browser, PHONE, { storageState: await agentPage.context().storageState() });
    await phone.goto(agentPage.url());
    await phone.locator("#reasons").waitFor();
    const overflow = await phone.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `no horizontal scroll at 360 px (overflow ${overflow})`);
    await screenshot(phone, "console-handoff-360");
    await phone.goto(server.url("/console"));
    await screenshot(phone, "console-queues-360");
    await phone.goto(server.url("/console/dashboard"));
    await screenshot(phone, "console-dashboard-360");

    // Close with the one question.
    await agentPage.check('input[name="repeat"][value="no"]');
    await Promise.all([agentPage.waitForURL(/\/console\/handoffs\//), agentPage.click("#close")]);
    assert.match(await agentPage.locator("#status").innerText(), /Closed/);

    await agentPage.goto(server.url("/console/dashboard"));
    await agentPage.locator("svg.chart").first().waitFor();
    assert.match(await agentPage.locator(".kpi").nth(3).innerText(), /100 %/);
    await screenshot(agentPage, "console-dashboard-1280");

    for (const p of [agentPage, customerPage, phone]) {
      assert.equal(await p.evaluate(() => window.__xss), undefined, "no injected script ran");
    }
    assert.ok(csp.length > 0 && csp.every((c) => c.includes("script-src 'self'")), `CSP on every console response: ${csp}`);
    assert.deepEqual(agentPage.errors(), [], "no console errors in the agent page");
    assert.deepEqual(phone.errors(), [], "no console errors at 360 px");
    await phone.context().close();
    await agentPage.context().close();
    await customerPage.context().close();
  });

  test("axe-core finds no accessibility violations on console pages", async () => {
    // axe is injected as an inline script, which the console's CSP rightly blocks: this
    // context bypasses CSP for the audit only.
    const page = await newPage(browser, DESKTOP, { bypassCSP: true });
    const con = new Console(page, server);
    const audit = async (what) => {
      await page.addScriptTag({ path: join(ROOT, "node_modules/axe-core/axe.min.js") });
      const found = await page.evaluate(async () => {
        const r = await window.axe.run(document, {
          runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"] },
        });
        return r.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.map((n) => n.target.join(" ")).slice(0, 3) }));
      });
      assert.deepEqual(found, [], `${what}: ${JSON.stringify(found, null, 1)}`);
    };
    await page.goto(server.url("/console/login"));
    await audit("login");
    await con.login();
    await audit("queues");
    await page.locator("a.card.queue").first().click();
    await page.locator("a.card.item, section.card").first().waitFor();
    await audit("queue");
    assert.ok(handoffUrl, "the first test opened a handoff");
    await page.goto(handoffUrl);
    await page.locator("#reasons").waitFor();
    await audit("handoff (closed)");
    await page.goto(server.url("/console/dashboard"));
    await audit("dashboard");
    await page.context().close();
  });
});
