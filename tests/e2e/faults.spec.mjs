// Faults seen from real browser pages: the server is SIGKILLed again and again while widgets
// hand customers over (their outboxes must deliver every handoff exactly once), two tabs of one
// conversation both ask for a person (stored once), and storage locked by another process
// answers 503 while the widget keeps the bundle queued until it can deliver.
//
// The page and widget files are served from disk by the test, so a dead server takes down
// only the API, as a CDN-hosted widget would see it. `BATON_SOAK_ROUNDS` (set by
// `cargo xtask soak`) raises the number of kill rounds. Everything runs on 127.0.0.1.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { DESKTOP, newPage } from "./harness/browser.mjs";
import { DEMO_PAGE, PKG_DIR } from "./harness/env.mjs";
import { Widget } from "./harness/widget.mjs";
import { useServerAndBrowser } from "./harness/suite.mjs";

const TYPES = { ".js": "text/javascript", ".wasm": "application/wasm", ".css": "text/css" };
const ROUNDS = Math.min(Number(process.env.BATON_SOAK_ROUNDS ?? 2), 50);
const PAGES_PER_ROUND = 3;

async function serveStaticFromDisk(context, base) {
  await context.route(`${base}/`, (route) =>
    route.fulfill({ status: 200, contentType: "text/html", body: readFileSync(DEMO_PAGE) }),
  );
  await context.route(`${base}/pkg/**`, (route) => {
    const name = new URL(route.request().url()).pathname.slice("/pkg/".length);
    const ext = name.slice(name.lastIndexOf("."));
    route.fulfill({ status: 200, contentType: TYPES[ext] ?? "application/octet-stream", body: readFileSync(join(PKG_DIR, name)) });
  });
}

/** Watches a page's handoff posts: idempotency keys sent, acknowledgements, statuses. */
function watchHandoffs(page, log) {
  page.on("request", (r) => {
    if (r.method() === "POST" && new URL(r.url()).pathname === "/v1/handoffs") {
      log.keys.add(r.headers()["idempotency-key"]);
      log.conversations.add(r.postDataJSON()?.conversation_id);
      log.attempts++;
    }
  });
  page.on("response", (r) => {
    if (r.request().method() === "POST" && new URL(r.url()).pathname === "/v1/handoffs") {
      log.statuses[r.status()] = (log.statuses[r.status()] ?? 0) + 1;
    }
  });
  page.on("requestfailed", (r) => {
    if (r.method() === "POST" && new URL(r.url()).pathname === "/v1/handoffs") log.failed++;
  });
}

function newLog() {
  return { keys: new Set(), conversations: new Set(), attempts: 0, failed: 0, statuses: {} };
}

const delivered = (page) => page.locator('.status .handoff[data-state="delivered"], .status .handoff[data-state="joined"]');

describe("faults in the browser", () => {
  let server;
  let browser;

  useServerAndBrowser((s, b) => {
    server = s;
    browser = b;
  });

  test(`SIGKILL loop: ${ROUNDS} rounds × ${PAGES_PER_ROUND} widgets, every handoff stored exactly once`, async () => {
    const before = (await server.metric("baton_handoffs_stored")) ?? 0;
    const log = newLog();
    let handoffs = 0;
    let kills = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const pages = [];
      for (let i = 0; i < PAGES_PER_ROUND; i++) {
        const page = await newPage(browser, DESKTOP);
        await serveStaticFromDisk(page.context(), server.base);
        watchHandoffs(page, log);
        const widget = new Widget(page);
        await widget.load(server.url("/"));
        await widget.open();
        await widget.send(`Where is my order ${round}-${i}?`);
        await widget.nthBotAnswer(1);
        pages.push({ page, widget });
      }
      // Half the pages press the button while the server is up, half while it is dead; the
      // server dies again right after coming back, while outboxes are retrying.
      await pages[0].widget.humanButton().click();
      await server.kill();
      kills++;
      for (const { widget } of pages.slice(1)) await widget.humanButton().click();
      handoffs += pages.length;
      await new Promise((r) => setTimeout(r, 300));
      await server.restart();
      await new Promise((r) => setTimeout(r, 150));
      await server.kill();
      kills++;
      await new Promise((r) => setTimeout(r, 500));
      await server.restart();
      for (const { page } of pages) await delivered(page).waitFor({ timeout: 60_000 });
      for (const { page } of pages) await page.context().close();
    }
    await new Promise((r) => setTimeout(r, 500));
    const stored = ((await server.metric("baton_handoffs_stored")) ?? 0) - before;
    console.log(
      `FAULTS browser-sigkill: handoffs ${handoffs} stored ${stored} lost ${Math.max(0, handoffs - stored)} ` +
        `duplicated ${Math.max(0, stored - handoffs)} | SIGKILLs ${kills} posts ${log.attempts} ` +
        `failed-in-transport ${log.failed} statuses ${JSON.stringify(log.statuses)} keys ${log.keys.size}`,
    );
    assert.equal(log.keys.size, handoffs, "one idempotency key per handoff, across every retry");
    assert.equal(stored, handoffs, "stored exactly once each");
  });

  test("two tabs of one conversation both ask for a person: stored once", async () => {
    const before = (await server.metric("baton_handoffs_stored")) ?? 0;
    const context = await browser.newContext({ viewport: DESKTOP });
    const log = newLog();
    const a = await context.newPage();
    watchHandoffs(a, log);
    const wa = new Widget(a);
    await wa.load(server.url("/"));
    await wa.open();
    await wa.send("Do you ship to Canada?");
    await wa.nthBotAnswer(1);
    // The second tab restores the same conversation from localStorage.
    const b = await context.newPage();
    watchHandoffs(b, log);
    const wb = new Widget(b);
    await wb.load(server.url("/"));
    // The panel was open in tab A, so it reopens by itself here.
    const reopened = await wb.input().waitFor({ state: "visible", timeout: 15_000 }).then(() => true, () => false);
    if (!reopened) await wb.open();
    // Both tabs press at once. Tabs share the session through localStorage, so tab B's
    // button may already be disabled by tab A's handoff when its click lands (then B posts
    // nothing); `force` skips the wait for "enabled" so the race is allowed either way.
    await Promise.all([
      wa.humanButton().click({ force: true }),
      wb.humanButton().click({ force: true }),
    ]);
    await delivered(a).waitFor({ timeout: 20_000 });
    await b.waitForTimeout(3_000);
    const stored = ((await server.metric("baton_handoffs_stored")) ?? 0) - before;
    const bState = await b.locator(".status .handoff").getAttribute("data-state").catch(() => null);
    console.log(
      `FAULTS two-tabs: conversations ${log.conversations.size} keys ${log.keys.size} posts ${log.attempts} ` +
        `statuses ${JSON.stringify(log.statuses)} stored ${stored}; tab B state ${bState}`,
    );
    assert.equal(stored, log.conversations.size, "one stored handoff per conversation");
    assert.ok((log.statuses[201] ?? 0) <= 1, `one 201 for one conversation: ${JSON.stringify(log.statuses)}`);
    assert.ok(!log.statuses[500], "no server error");
    await context.close();
  });

  test("storage locked by another process: 503, the widget keeps the bundle queued, then delivers once", async () => {
    const before = (await server.metric("baton_handoffs_stored")) ?? 0;
    const page = await newPage(browser, DESKTOP);
    const log = newLog();
    watchHandoffs(page, log);
    const widget = new Widget(page);
    await widget.load(server.url("/"));
    await widget.open();
    await widget.send("Do you ship to Canada?");
    await widget.nthBotAnswer(1);

    // Hold SQLite's write lock for 14 s from a second process (python's sqlite3 module).
    const db = join(server.dataDir, "baton.db");
    const locker = spawn("python3", [
      "-c",
      "import sqlite3,sys,time\n" +
        "c=sqlite3.connect(sys.argv[1],isolation_level=None,timeout=10)\n" +
        "c.execute('BEGIN IMMEDIATE');print('locked',flush=True);time.sleep(14);c.execute('ROLLBACK')",
      db,
    ]);
    await new Promise((resolve, reject) => {
      locker.stdout.once("data", resolve);
      locker.once("exit", (code) => reject(new Error(`locker exited ${code}`)));
    });
    const unavailable = page.waitForResponse(
      (r) => new URL(r.url()).pathname === "/v1/handoffs" && r.status() === 503,
      { timeout: 30_000 },
    );
    await widget.humanButton().click();
    const res = await unavailable;
    assert.equal((await res.json()).error.code, "unavailable");
    assert.ok(res.headers()["retry-after"], "503 carries Retry-After");
    await page.locator('.status .handoff[data-state="queued"]').waitFor({ timeout: 10_000 });
    const queued = await page.evaluate(() => JSON.parse(localStorage.getItem("baton:demo:outbox")));
    assert.ok(queued.entries.some((e) => e.kind === "handoff"), "the bundle waits in the outbox");

    await new Promise((r) => locker.once("exit", r));
    await delivered(page).waitFor({ timeout: 60_000 });
    const stored = ((await server.metric("baton_handoffs_stored")) ?? 0) - before;
    console.log(
      `FAULTS browser-locked-db: handoffs 1 stored ${stored} posts ${log.attempts} statuses ${JSON.stringify(log.statuses)}`,
    );
    assert.equal(stored, 1);
    assert.equal(log.keys.size, 1);
  });
});
