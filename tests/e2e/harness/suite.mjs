// The set-up most spec files share: one real `baton serve` and one headless Chromium per
// `describe`, started before its tests and stopped after them.
import { after, before } from "node:test";

import { launchBrowser } from "./browser.mjs";
import { startServer } from "./server.mjs";

/**
 * Registers the `before`/`after` hooks of the enclosing `describe`; `ready(server, browser)`
 * hands the started pair to the spec's own variables.
 * @param {(server: any, browser: any) => void} ready
 */
export function useServerAndBrowser(ready) {
  let server;
  let browser;
  before(async () => {
    server = await startServer();
    browser = await launchBrowser();
    ready(server, browser);
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });
}
