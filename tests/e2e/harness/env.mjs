// Paths the harness needs, from the environment `cargo xtask test` sets, with defaults that
// work from a repository checkout after `cargo xtask build`.
import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = process.env.BATON_ROOT ?? resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
const target = process.env.CARGO_TARGET_DIR ? resolve(ROOT, process.env.CARGO_TARGET_DIR) : join(ROOT, "target");

/** The `baton` binary under test. */
export const BATON_BIN = process.env.BATON_BIN ?? join(target, "debug", "baton");
/** The widget build served at /pkg/. */
export const PKG_DIR = process.env.BATON_PKG_DIR ?? join(ROOT, "pkg");
/** The demo site config shipped with the server. */
export const DEMO_CONFIG = process.env.BATON_DEMO_CONFIG ?? join(ROOT, "crates/server/demo/site.toml");
/** The demo host page. */
export const DEMO_PAGE = join(ROOT, "index.html");
/** Where specs save screenshots (look at them). */
export const SCREENSHOTS = process.env.BATON_SCREENSHOTS ?? join(target, "screenshots");
/** System Chromium (Debian package `chromium`). */
export const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";

/** Fails early with a message naming the missing piece and the command that makes it. */
export function requireBuilt() {
  const missing = [
    [BATON_BIN, "cargo build -p baton-server"],
    [join(PKG_DIR, "baton.js"), "cargo xtask build"],
    [DEMO_CONFIG, "(the demo config ships with crates/server)"],
    [CHROMIUM, "apt-get install -y chromium"],
  ].filter(([p]) => !existsSync(p));
  if (missing.length > 0) {
    throw new Error(
      "e2e prerequisites missing:\n" + missing.map(([p, fix]) => `  ${p}  → ${fix}`).join("\n"),
    );
  }
}
