// The widget on pages it does not control: a host page with hostile CSS, a page with a strict
// Content-Security-Policy, axe-core accessibility checks, and screenshots at phone and
// desktop widths (look at them: target/screenshots/widget-*.png).
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { DESKTOP, PHONE, newPage, screenshot } from "./harness/browser.mjs";
import { ROOT } from "./harness/env.mjs";
import { Widget } from "./harness/widget.mjs";
import { useServerAndBrowser } from "./harness/suite.mjs";
import { join } from "node:path";

const TAG = '<script src="/pkg/baton.js" data-site="demo" data-endpoint="/v1" async></script>';

const HOSTILE = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Hostile</title>
<style>
  * { font-family: "Comic Sans MS", cursive !important; font-size: 31px !important; color: #f0f !important;
      line-height: 3 !important; letter-spacing: 4px !important; box-sizing: content-box !important; }
  div, section, button, input, p { display: inline !important; padding: 40px !important; margin: 20px !important;
      border: 5px dashed lime !important; background: yellow !important; width: 10px !important; }
  button { position: static !important; }
  svg { width: 200px !important; height: 200px !important; }
  #probe { color: rgb(1, 2, 3) !important; }
</style></head>
<body><p id="probe">Host page text</p>${TAG}</body></html>`;

const STRICT_CSP =
  "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; connect-src 'self'; " +
  "img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

const PLAIN = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Strict shop</title></head>
<body><h1>Strict CSP shop</h1>${TAG}</body></html>`;

describe("isolation, CSP, accessibility, screenshots", () => {
  let server;
  let browser;

  useServerAndBrowser((s, b) => {
    server = s;
    browser = b;
  });

  test("host-page CSS cannot break the widget, and the widget leaves the page alone", async () => {
    const page = await newPage(browser, DESKTOP);
    await page.route(server.url("/hostile"), (r) => r.fulfill({ contentType: "text/html", body: HOSTILE }));
    await page.goto(server.url("/hostile"));
    const probeBefore = await page.evaluate(() => {
      const s = getComputedStyle(document.getElementById("probe"));
      return { color: s.color, font: s.fontFamily, size: s.fontSize, sheets: document.styleSheets.length };
    });
    const widget = new Widget(page);
    await widget.launcher().waitFor({ state: "visible", timeout: 15_000 });
    await widget.open();
    await widget.send("How long does shipping take?");
    await widget.nthBotAnswer(1);
    const probeAfter = await page.evaluate(() => {
      const s = getComputedStyle(document.getElementById("probe"));
      return { color: s.color, font: s.fontFamily, size: s.fontSize, sheets: document.styleSheets.length };
    });
    assert.deepEqual(probeAfter, probeBefore, "the widget changed nothing on the host page");
    const look = await page.evaluate(() => {
      const root = document.querySelector("[data-baton]").shadowRoot;
      const st = (sel) => getComputedStyle(root.querySelector(sel));
      // Layout sizes (offset*), not getBoundingClientRect: the hovered launcher is scaled.
      const launcher = root.querySelector("button.launcher");
      const panel = root.querySelector(".panel");
      return {
        launcher: [launcher.offsetWidth, launcher.offsetHeight],
        panelWidth: panel.offsetWidth,
        inputFont: st("#baton-input").fontSize,
        bodyColor: st(".log").color,
        family: st(".log").fontFamily,
        humanDisplay: st("button.human").display,
      };
    });
    assert.deepEqual(look.launcher, [60, 60]);
    assert.equal(look.panelWidth, 380);
    assert.equal(look.inputFont, "16px");
    assert.equal(look.bodyColor, "rgb(26, 29, 35)");
    assert.ok(!/comic/i.test(look.family), look.family);
    assert.equal(look.humanDisplay, "flex");
    await screenshot(page, "widget-hostile-css-1280");
    await page.context().close();
  });

  test("works under a strict CSP with only 'wasm-unsafe-eval' added", async () => {
    const page = await newPage(browser, DESKTOP);
    await page.route(server.url("/strict"), (r) =>
      r.fulfill({ contentType: "text/html", headers: { "Content-Security-Policy": STRICT_CSP }, body: PLAIN }),
    );
    await page.addInitScript(() => {
      const seen = [];
      document.addEventListener("securitypolicyviolation", (e) => {
        seen.push(`${e.violatedDirective} ${e.blockedURI}`);
        document.documentElement.setAttribute("data-csp", JSON.stringify(seen));
      });
    });
    const widget = new Widget(page);
    await page.goto(server.url("/strict"));
    await widget.launcher().waitFor({ state: "visible", timeout: 15_000 });
    await widget.open();
    await widget.send("What is your return policy?");
    const answer = await widget.nthBotAnswer(1);
    assert.match(answer, /return/i);
    await widget.humanButton().click();
    await page.locator('.status .handoff[data-state="delivered"]').waitFor({ timeout: 10_000 });
    const violations = await page.evaluate(() => document.documentElement.getAttribute("data-csp"));
    assert.equal(violations, null, `CSP violations: ${violations}`);
    const launcherBg = await page.evaluate(() =>
      getComputedStyle(document.querySelector("[data-baton]").shadowRoot.querySelector("button.launcher")).backgroundColor,
    );
    assert.equal(launcherBg, "rgb(31, 79, 209)", "the stylesheet applied under style-src 'self'");
    assert.deepEqual(page.errors(), []);
    await page.context().close();
  });

  for (const [label, viewport] of [["360", PHONE], ["1280", DESKTOP]]) {
    test(`axe-core finds no violations; screenshots (${label} px)`, async () => {
      // The demo page is served under a strict CSP; the audit script is injected inline, so
      // this page (only) lets the test bypass it. The strict-CSP test above covers the CSP.
      const page = await newPage(browser, viewport, { bypassCSP: true });
      const widget = new Widget(page);
      await widget.load(server.url("/"));
      await screenshot(page, `widget-launcher-${label}`);
      await widget.open();
      await widget.send("How long does shipping take?");
      await widget.nthBotAnswer(1);
      await screenshot(page, `widget-answer-${label}`);
      await widget.send("I'd like to talk to a person please");
      await widget.handoffNotice().waitFor({ state: "visible", timeout: 5_000 });
      await page.locator('.status .handoff[data-state="delivered"]').waitFor({ timeout: 10_000 });
      await screenshot(page, `widget-handoff-${label}`);
      await page.addScriptTag({ path: join(ROOT, "node_modules/axe-core/axe.min.js") });
      const result = await page.evaluate(async () => {
        // The widget only: the demo page is not ours to audit here.
        const r = await window.axe.run(
          { include: [["[data-baton]"]] },
          { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"] } },
        );
        return r.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.map((n) => n.target.join(" ")).slice(0, 3) }));
      });
      assert.deepEqual(result, [], JSON.stringify(result, null, 1));
      // Keyboard only: Tab reaches the person button and the input; Escape closes.
      await widget.input().focus();
      await page.keyboard.press("Shift+Tab");
      const focused = await page.evaluate(() => document.querySelector("[data-baton]").shadowRoot.activeElement?.className);
      assert.equal(focused, "human", "Shift+Tab from the input lands on the person button");
      await page.keyboard.press("Escape");
      await widget.input().waitFor({ state: "hidden", timeout: 2_000 });
      assert.deepEqual(page.errors(), []);
      await page.context().close();
    });
  }
});
