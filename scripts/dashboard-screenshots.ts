/**
 * The README's screenshots of the dashboard on the sample store (a copy: the live view's two events are
 * appended to it). Run: npm run build && node dist/scripts/dashboard-screenshots.js (then, for small files,
 * pngquant --force --ext .png --quality 60-85 docs/images/dashboard-*.png)
 */
import { appendFileSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { chromium, type Page } from "playwright-core";
import { ROOT, serveSampleCopy } from "./serve-sample.js";

const OUT = join(ROOT, "docs", "images");
const MAIN = encodeURIComponent("agent:main:main");

async function shoot(page: Page, name: string): Promise<void> {
  await page.waitForLoadState("networkidle").catch(() => undefined);
  await page.waitForTimeout(400);
  await page.screenshot({ path: join(OUT, `dashboard-${name}.png`) });
}

function appendLive(store: string): void {
  const transcript = join(store, "agents", "main", "sessions", "3f1e2c4a-8b7d-4c1e-9a2f-5d6e7f8a9b01.jsonl");
  let parentId = JSON.parse(readFileSync(transcript, "utf8").trim().split("\n").at(-1)!).id as string;
  const lines = ["Is the Q3 summary done?", "Yes: revenue up 12%, churn flat. The full summary is in reports/q3-summary.md."].map((text, i) => {
    const now = Date.now() + i;
    const role = i === 0 ? "user" : "assistant";
    const line = { type: "message", id: `live000${i}`, parentId, timestamp: new Date(now).toISOString(), message: { role, content: [{ type: "text", text }], timestamp: now } };
    parentId = line.id;
    return JSON.stringify(line);
  });
  appendFileSync(transcript, `${lines.join("\n")}\n`);
}

const server = await serveSampleCopy();
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium", args: ["--no-sandbox"] });
try {
  const page = await browser.newPage({ viewport: { width: 1200, height: 700 } });
  await page.goto(`${server.url}/#/sessions`);
  await shoot(page, "sessions");
  await page.goto(`${server.url}/#/timeline/${MAIN}?seq=17`);
  await shoot(page, "timeline");
  await page.goto(`${server.url}/#/state/${MAIN}?seq=12`);
  await shoot(page, "time-travel");
  await page.goto(`${server.url}/#/analytics`);
  await shoot(page, "analytics");
  await page.goto(`${server.url}/#/live`);
  await page.getByText("stream: open").waitFor();
  appendLive(server.store);
  await page.locator("li.event").nth(1).waitFor();
  await shoot(page, "live");
  await page.emulateMedia({ colorScheme: "dark" });
  await page.goto(`${server.url}/#/sessions`);
  await shoot(page, "sessions-dark");
} finally {
  await browser.close();
  server.stop();
}
