// End-to-end runner: every tests/e2e/*.spec.mjs under node's test runner, one file at a time
// (2 cores, one Chromium at a time). `cargo xtask test e2e` builds the widget and `baton`
// first and passes their paths in the environment (see harness/env.mjs); running this file by
// hand works too once `cargo xtask build` and `cargo build -p baton-server` have run.
//
//   node tests/e2e/run.mjs                 all specs
//   node tests/e2e/run.mjs chat handoff    only specs whose file name contains a word
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const filters = process.argv.slice(2);
const specs = readdirSync(here)
  .filter((f) => f.endsWith(".spec.mjs"))
  .filter((f) => filters.length === 0 || filters.some((w) => f.includes(w)))
  .sort()
  .map((f) => join(here, f));

if (specs.length === 0) {
  console.error(`e2e: no spec matched in ${here} (filters: ${filters.join(" ") || "none"})`);
  process.exit(1);
}
console.log(`e2e: ${specs.length} spec file(s): ${specs.map((s) => s.slice(here.length + 1)).join(", ")}`);

const result = spawnSync(
  process.execPath,
  ["--test", "--test-concurrency=1", "--test-reporter=spec", ...specs],
  { stdio: "inherit", env: process.env },
);
if (result.error) {
  console.error(`e2e: could not start node --test: ${result.error.message}`);
  process.exit(1);
}
process.exit(result.status ?? 1);
