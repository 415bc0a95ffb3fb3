// The outbox: the server goes away, the customer asks for a person anyway, reloads the page
// while it is still away, and when it comes back exactly one bundle is stored. The page and
// the widget files are served from disk by the test, so only the API is "down".
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { DESKTOP, newPage, screenshot } from "./harness/browser.mjs";
import { DEMO_PAGE, PKG_DIR } from "./harness/env.mjs";
import { Widget } from "./harness/widget.mjs";
import { useServerAndBrowser } from "./harness/suite.mjs";

const TYPES = { ".js": "text/javascript", ".wasm": "application/wasm", ".css": "text/css" };

/** Serves `/` and `/pkg/*` from disk, so a dead server takes down only `/v1`. */
async function serveStaticFromDisk(page, base) {
  await page.route(`${base}/`, (route) =>
    route.fulfill({ status: 200, contentType: "text/html", body: readFileSync(DEMO_PAGE) }),
  );
  await page.route(`${base}/pkg/**`, (route) => {
    const name = new URL(route.request().url()).pathname.slice("/pkg/".length);
    const ext = name.slice(name.lastIndexOf("."));
    route.fulfill({ status: 200, contentType: TYPES[ext] ?? "application/octet-stream", body: readFileSync(join(PKG_DIR, name)) });
  });
}

describe("outbox", () => {
  let server;
  let browser;

  useServerAndBrowser((s, b) => {
    server = s;
    browser = b;
  });

  test("survives an offline period and a reload: exactly one bundle", async () => {
    const before = (await server.metric("baton_handoffs_stored")) ?? 0;
    const page = await newPage(browser, DESKTOP);
    await serveStaticFromDisk(page, server.base);
    const keys = new Set();
    let acked = 0;
    page.on("request", (r) => {
      if (r.method() === "POST" && new URL(r.url()).pathname === "/v1/handoffs") keys.add(r.headers()["idempotency-key"]);
    });
    page.on("response", (r) => {
      if (r.request().method() === "POST" && new URL(r.url()).pathname === "/v1/handoffs" && r.ok()) acked++;
    });
    const widget = new Widget(page);
    await widget.load(server.url("/"));
    await widget.open();
    await widget.send("Do you ship to Canada?");
    await widget.nthBotAnswer(1);

    await server.kill();
    await widget.humanButton().click();
    // Painted at once, then honest about the failed delivery.
    await widget.handoffNotice().waitFor({ state: "visible", timeout: 2_000 });
    await page.locator('.status .handoff[data-state="queued"]').waitFor({ timeout: 10_000 });
    await screenshot(page, "widget-outbox-queued-1280");

    await page.reload();
    // The panel was open: it reopens by itself after the reload.
    await widget.input().waitFor({ state: "visible", timeout: 15_000 });
    await page.locator('.status .handoff[data-state="queued"]').waitFor({ timeout: 10_000 });
    const stored = await page.evaluate(() => JSON.parse(localStorage.getItem("baton:demo:outbox")));
    assert.ok(stored.entries.some((e) => e.kind === "handoff"), "the bundle waits in localStorage");

    await server.restart();
    await page.locator('.status .handoff[data-state="delivered"]').waitFor({ timeout: 45_000 });
    await page.waitForTimeout(1_000);
    assert.equal(keys.size, 1, `one idempotency key across every retry: ${[...keys]}`);
    assert.equal(acked, 1, "acknowledged once");
    assert.equal((await server.metric("baton_handoffs_stored")) ?? 0, before + 1, "stored exactly once");
    const left = await page.evaluate(() => JSON.parse(localStorage.getItem("baton:demo:outbox")));
    assert.ok(!left.entries.some((e) => e.kind === "handoff"), "the outbox let go of it");
    await page.context().close();
  });

  test("a bundle the server refuses (4xx) shows an honest status, leaves the outbox, and the button tries again", async () => {
    const page = await newPage(browser, DESKTOP);
    let refused = 0;
    await page.route(server.url("/v1/handoffs"), (route) => {
      refused++;
      route.fulfill({
        status: 400,
        contentType: "application/json",
        body: JSON.stringify({ error: { code: "invalid_bundle", message: "transcript: test refusal" } }),
      });
    });
    const widget = new Widget(page);
    await widget.load(server.url("/"));
    await widget.open();
    await widget.humanButton().click();
    const failed = page.locator('.status .handoff[data-state="failed"]');
    await failed.waitFor({ timeout: 10_000 });
    assert.match(await failed.innerText(), /couldn't reach our team/);
    await page.waitForTimeout(1_500);
    assert.equal(refused, 1, "a 4xx is not retried");
    const left = await page.evaluate(() => JSON.parse(localStorage.getItem("baton:demo:outbox")));
    assert.ok(!left.entries.some((e) => e.kind === "handoff"), "dropped from the outbox");
    await screenshot(page, "widget-handoff-refused-1280");

    // The server takes bundles again: the button sends a fresh one.
    await page.unroute(server.url("/v1/handoffs"));
    await widget.humanButton().click();
    await page.locator('.status .handoff[data-state="delivered"]').waitFor({ timeout: 10_000 });
    const ours = page.errors().filter((e) => !e.includes("Failed to load resource"));
    assert.deepEqual(ours, [], "only the browser's own network line for the 400");
    await page.context().close();
  });
});
