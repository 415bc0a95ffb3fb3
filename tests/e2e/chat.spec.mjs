// The first thing a customer does: open the widget on the demo shop, ask a routine question
// and get the bot's answer — through the real server, the real wasm, in Chromium.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { DESKTOP, PHONE, newPage, screenshot } from "./harness/browser.mjs";
import { Widget } from "./harness/widget.mjs";
import { useServerAndBrowser } from "./harness/suite.mjs";

describe("chat on the demo shop", () => {
  let server;
  let browser;

  useServerAndBrowser((s, b) => {
    server = s;
    browser = b;
  });

  for (const [label, viewport] of [["360", PHONE], ["1280", DESKTOP]]) {
    test(`a routine question gets a bot answer (${label} px)`, async () => {
      const page = await newPage(browser, viewport);
      const widget = new Widget(page);
      await widget.load(server.url("/"));
      await widget.open();
      assert.ok(await widget.humanButton().isVisible(), '"Talk to a person" is visible once open');

      await widget.send("What is your return policy?");
      await widget.myMessages().first().waitFor({ state: "visible", timeout: 5_000 });
      const answer = await widget.nthBotAnswer(1);
      assert.ok(answer.length > 20, `a real answer, got: ${JSON.stringify(answer)}`);
      assert.match(answer, /return/i, "the answer is about returns");
      // A routine question is not a handoff.
      assert.equal(await widget.handoffNotice().count(), 0, "no handoff for a routine question");

      await screenshot(page, `widget-open-${label}`);
      assert.deepEqual(page.errors(), [], "no console errors or uncaught exceptions");
      await page.context().close();
    });
  }
});
