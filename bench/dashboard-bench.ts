/**
 * The dashboard's weight and first load: gzipped bytes of the built JS (and CSS), and, in Debian's
 * chromium on the sample store served by the built `serve`, the time from navigation to the first paint
 * and to the sessions being on screen (the page marks it), each the median of fresh-profile loads.
 * Run: npm run bench:dashboard (CHROMIUM_PATH to use another browser).
 */
import { readdirSync, readFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { chromium } from "playwright-core";
import { ROOT, serveSampleCopy } from "../scripts/serve-sample.js";

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

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

async function main(): Promise<void> {
  const js = gzipped(".js");
  const css = gzipped(".css");
  const server = await serveSampleCopy();
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
  }
  const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;
  console.log(`JS: ${kb(js.raw)} raw, ${kb(js.gz)} gzipped; CSS: ${kb(css.raw)} raw, ${kb(css.gz)} gzipped`);
  const line = (values: number[]) => `median ${median(values).toFixed(0)} ms, best ${Math.min(...values).toFixed(0)} ms (${values.map((p) => p.toFixed(0)).join(", ")})`;
  console.log(`first contentful paint: ${line(paints)}`);
  console.log(`sessions on screen (first meaningful paint): ${line(shown)}`);
  console.log(`load average at the end: ${loadavg().map((l) => l.toFixed(1)).join(" ")} on ${cpus().length} cores`);
}

await main();
