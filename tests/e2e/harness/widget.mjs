// A page object for the Baton widget as a customer sees it. Selectors live here only, so a
// markup change is fixed in one place. Playwright's CSS and role locators pierce the open
// shadow root the widget mounts in.
export class Widget {
  constructor(page) {
    this.page = page;
  }

  /** The round launcher (the loader's placeholder until the wasm mounts, then the real one). */
  launcher() {
    return this.page.locator("button.launcher").first();
  }

  input() {
    return this.page.locator("#baton-input");
  }

  /** The transcript, an ARIA live region. */
  log() {
    return this.page.locator('[role="log"]');
  }

  /** Bot answers shown to the customer (the greeting excluded). */
  botMessages() {
    return this.page.locator('[role="log"] .msg.bot:not(.greeting)');
  }

  /** The customer's own messages. */
  myMessages() {
    return this.page.locator('[role="log"] .msg.me');
  }

  /** "Talk to a person", visible at all times while the panel is open. */
  humanButton() {
    return this.page.locator("button.human");
  }

  /** The handoff status line; `data-state` is connecting | queued | delivered | joined. */
  handoffNotice() {
    return this.page.locator(".status .handoff");
  }

  /** Goes to `url` and waits for the loader's launcher. */
  async load(url) {
    await this.page.goto(url);
    await this.launcher().waitFor({ state: "visible", timeout: 15_000 });
  }

  /** Opens the panel and waits until the input accepts text. */
  async open() {
    await this.launcher().click();
    await this.input().waitFor({ state: "visible", timeout: 15_000 });
    await this.page.waitForFunction(
      () => {
        const find = (root) => {
          const el = root.querySelector("#baton-input");
          if (el) return el;
          for (const host of root.querySelectorAll("*")) {
            if (host.shadowRoot) {
              const hit = find(host.shadowRoot);
              if (hit) return hit;
            }
          }
          return null;
        };
        const input = find(document);
        return input && !input.disabled;
      },
      null,
      { timeout: 15_000 },
    );
  }

  /** Types a message and presses Enter, as a customer would. */
  async send(text) {
    await this.input().fill(text);
    await this.input().press("Enter");
  }

  /** Waits for the n-th (1-based) bot answer and returns its text. */
  async nthBotAnswer(n, timeout = 10_000) {
    const msg = this.botMessages().nth(n - 1);
    await msg.waitFor({ state: "visible", timeout });
    return (await msg.innerText()).trim();
  }
}

/** Resolves with the JSON answer of the next `POST …/v1/handoffs` the page makes. */
export async function nextHandoffResponse(page, timeout = 15_000) {
  const res = await page.waitForResponse(
    (r) => r.request().method() === "POST" && new URL(r.url()).pathname.endsWith("/v1/handoffs"),
    { timeout },
  );
  return { status: res.status(), body: await res.json(), request: res.request() };
}
