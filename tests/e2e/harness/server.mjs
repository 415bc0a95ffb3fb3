// Starts the real `baton serve` for a spec: a free port on 127.0.0.1, a fresh temp data dir
// (its own SQLite file), the demo config, the built widget under /pkg/ and index.html at /.
//
//   const server = await startServer();           // before()
//   await page.goto(server.url("/"));
//   await server.stop();                          // after()
//
// `kill()` sends SIGKILL and `restart()` brings it back on the same port and data dir, for
// fault tests. The server's output is kept; `server.log()` returns it and a failed start
// prints it.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BATON_BIN, DEMO_CONFIG, DEMO_PAGE, PKG_DIR, requireBuilt } from "./env.mjs";

const HOST = "127.0.0.1";
const READY_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 10_000;
const LOG_LIMIT = 64 * 1024;

/** A port the kernel just handed out and released; `baton` binds it right after. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, HOST, () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/**
 * @param {object} [opts]
 * @param {string} [opts.config]    site config (default: the demo config)
 * @param {string} [opts.dataDir]   data dir (default: a new temp dir, removed by stop())
 * @param {number} [opts.port]      port (default: a free one)
 * @param {string[]} [opts.args]    extra `baton serve` arguments
 * @param {Record<string,string>} [opts.env] extra environment
 */
export async function startServer(opts = {}) {
  requireBuilt();
  const ownDataDir = opts.dataDir === undefined;
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), "baton-e2e-"));
  const port = opts.port ?? (await freePort());
  const config = opts.config ?? DEMO_CONFIG;
  const base = `http://${HOST}:${port}`;
  let child = null;
  let output = "";
  let exited = null;

  const args = [
    "serve",
    "--config", config,
    "--data-dir", dataDir,
    "--host", HOST,
    "--port", String(port),
    "--pkg-dir", PKG_DIR,
    "--demo-page", DEMO_PAGE,
    ...(opts.args ?? []),
  ];

  async function launch() {
    exited = null;
    child = spawn(BATON_BIN, args, {
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, ...(opts.env ?? {}) },
    });
    const keep = (chunk) => {
      output += chunk.toString();
      if (output.length > LOG_LIMIT) output = output.slice(-LOG_LIMIT);
    };
    child.stdout.on("data", keep);
    child.stderr.on("data", keep);
    const proc = child;
    proc.on("exit", (code, signal) => {
      if (child === proc) exited = { code, signal };
    });
    await waitReady();
  }

  async function waitReady() {
    const deadline = Date.now() + READY_TIMEOUT_MS;
    while (Date.now() < deadline) {
      if (exited) {
        throw new Error(
          `baton serve exited during start-up (${JSON.stringify(exited)}):\n$ ${BATON_BIN} ${args.join(" ")}\n${output}`,
        );
      }
      try {
        // /healthz answers 200 once the database does.
        const res = await fetch(`${base}/healthz`, { signal: AbortSignal.timeout(1000) });
        await res.arrayBuffer();
        if (res.ok) return;
        await new Promise((r) => setTimeout(r, 100));
      } catch {
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    throw new Error(`baton serve not answering on ${base} after ${READY_TIMEOUT_MS} ms:\n${output}`);
  }

  function waitExit(timeoutMs) {
    const proc = child;
    if (!proc || exited) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      proc.once("exit", () => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }

  await launch();

  return {
    port,
    dataDir,
    base,
    /** Absolute URL on this server. */
    url: (path = "/") => `${base}${path}`,
    /** `GET /metrics` parsed: metric line (name with labels) → number. */
    async metrics() {
      const res = await fetch(`${base}/metrics`);
      if (!res.ok) throw new Error(`GET /metrics: ${res.status}`);
      return parseMetrics(await res.text());
    },
    /** One unlabelled metric, e.g. `baton_handoffs_stored`; undefined when absent. */
    async metric(name) {
      return (await this.metrics()).get(name);
    },
    /** Everything the server printed (last 64 KiB). */
    log: () => output,
    /** SIGKILL, as a crash would; the data dir stays for restart(). */
    async kill() {
      if (child && !exited) {
        child.kill("SIGKILL");
        await waitExit(STOP_TIMEOUT_MS);
      }
    },
    /** Start again on the same port and data dir. */
    async restart() {
      if (child && !exited) await this.kill();
      await launch();
    },
    /** Graceful stop (SIGTERM, then SIGKILL after 10 s); removes a temp data dir. */
    async stop() {
      if (child && !exited) {
        child.kill("SIGTERM");
        if (!(await waitExit(STOP_TIMEOUT_MS))) {
          child.kill("SIGKILL");
          await waitExit(STOP_TIMEOUT_MS);
        }
      }
      if (ownDataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Prometheus text → Map of `name{labels}` → value (comments skipped). */
export function parseMetrics(text) {
  const out = new Map();
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const cut = line.lastIndexOf(" ");
    if (cut > 0) out.set(line.slice(0, cut), Number(line.slice(cut + 1)));
  }
  return out;
}
