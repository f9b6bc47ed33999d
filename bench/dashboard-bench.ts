/**
 * The dashboard's weight and first load: gzipped bytes of the built JS (and CSS), and, in Debian's
 * chromium on the sample store served by the built `serve`, the time from navigation to the first paint
 * and to the sessions being on screen (the page marks it), each the median of fresh-profile loads.
 * Run: npm run bench:dashboard (CHROMIUM_PATH to use another browser).
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { chromium } from "playwright-core";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const ASSETS = join(ROOT, "dist", "web", "assets");
const LOADS = Number(process.env.BENCH_DASHBOARD_LOADS ?? 7);

function gzipped(ext: string): { raw: number; gz: number } {
  let raw = 0;
  let gz = 0;
  for (const name of readdirSync(ASSETS).filter((n) => n.endsWith(ext))) {
    const body = readFileSync(join(ASSETS, name));
    raw += body.length;
    gz += gzipSync(body, { level: 9 }).length;
  }
  return { raw, gz };
}

function startServer(cacheDir: string): Promise<{ url: string; stop(): void }> {
  const child = spawn(process.execPath, [join(ROOT, "dist", "src", "cli", "main.js"), "serve", "--listen", "127.0.0.1:0", "--store", join(ROOT, "examples", "openclaw-state")], {
    env: { ...process.env, SESSION_EVENTS_CACHE_DIR: cacheDir, SESSION_EVENTS_LOG_LEVEL: "warn" },
    stdio: ["ignore", "pipe", "inherit"],
  });
  return new Promise((resolve, reject) => {
    let out = "";
    child.stdout!.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      const match = /listening on (\S+)/.exec(out);
      if (match) resolve({ url: match[1]!, stop: () => child.kill("SIGTERM") });
    });
    child.once("exit", (code) => reject(new Error(`serve exited with ${code}`)));
  });
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

async function main(): Promise<void> {
  const js = gzipped(".js");
  const css = gzipped(".css");
  const cacheDir = mkdtempSync(join(tmpdir(), "dashboard-bench-"));
  const server = await startServer(cacheDir);
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium", args: ["--no-sandbox"] });
  const paints: number[] = [];
  const shown: number[] = [];
  try {
    for (let i = 0; i < LOADS + 1; i++) {
      const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
      const page = await context.newPage();
      await page.goto(`${server.url}/#/sessions`);
      // (a function, not a string: the page's CSP forbids eval)
      await page.waitForFunction(() => performance.getEntriesByName("dashboard:sessions-shown").length > 0);
      const [paint, sessions] = (await page.evaluate(
        "[performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? NaN, performance.getEntriesByName('dashboard:sessions-shown')[0].startTime]",
      )) as [number, number];
      await context.close();
      if (i === 0) continue; // the first load warms the server's caches
      paints.push(paint);
      shown.push(sessions);
    }
  } finally {
    await browser.close();
    server.stop();
    rmSync(cacheDir, { recursive: true, force: true });
  }
  const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;
  console.log(`JS: ${kb(js.raw)} raw, ${kb(js.gz)} gzipped; CSS: ${kb(css.raw)} raw, ${kb(css.gz)} gzipped`);
  console.log(`first contentful paint: median ${median(paints).toFixed(0)} ms (${paints.map((p) => p.toFixed(0)).join(", ")})`);
  console.log(`sessions on screen (first meaningful paint): median ${median(shown).toFixed(0)} ms (${shown.map((p) => p.toFixed(0)).join(", ")})`);
}

await main();
