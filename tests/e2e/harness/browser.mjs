// The page fixture: system Chromium driven by playwright-core (no browser download), with
// the flags this machine needs (see TOOLCHAIN.md), and pages that remember their console
// errors and uncaught exceptions so a spec can assert there were none.
//
//   const browser = await launchBrowser();
//   const page = await newPage(browser, { width: 360, height: 740 });
//   ...
//   assert.deepEqual(page.errors(), []);
//   await browser.close();
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { chromium } from "playwright-core";
import { CHROMIUM, SCREENSHOTS } from "./env.mjs";

export const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** Viewports the screenshots and layout checks use. */
export const PHONE = { width: 360, height: 740 };
export const DESKTOP = { width: 1280, height: 800 };

export async function launchBrowser() {
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
}

/**
 * A page in a fresh context (own storage) at the given viewport.
 * `page.errors()` lists console errors and uncaught exceptions seen so far.
 */
export async function newPage(browser, viewport = DESKTOP, contextOptions = {}) {
  const context = await browser.newContext({ viewport, ...contextOptions });
  const page = await context.newPage();
  const errors = [];
  page.on("console", (msg) => {
    if (msg.type() !== "error") return;
    const where = msg.location()?.url;
    errors.push(`console: ${msg.text()}${where ? ` (${where})` : ""}`);
  });
  page.on("pageerror", (err) => errors.push(`pageerror: ${err.message}`));
  page.errors = () => errors.slice();
  return page;
}

/** Saves a full-viewport PNG under target/screenshots/ and returns its path. */
export async function screenshot(page, name) {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const path = join(SCREENSHOTS, `${name}.png`);
  await page.screenshot({ path });
  return path;
}
