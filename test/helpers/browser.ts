/** A real browser for the dashboard tests: Debian's chromium driven by playwright-core. */
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";
import { PROJECT_ROOT } from "./built-server.js";

export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
export const ARTIFACTS = join(PROJECT_ROOT, "test-artifacts", "dashboard");

export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`No browser at ${CHROMIUM}: install Debian's chromium (apt-get install chromium; .ci/run does) or set CHROMIUM_PATH.`);
  mkdirSync(ARTIFACTS, { recursive: true });
  // (as root, chromium runs only without its sandbox)
  return chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox"] });
}

/** Everything a page said on its console as an error, and every uncaught exception. */
export function consoleErrors(page: Page, into: string[], label: string): void {
  page.on("console", (message) => {
    if (message.type() === "error") into.push(`${label}: ${message.text()}`);
  });
  page.on("pageerror", (error) => into.push(`${label}: uncaught ${error.message}`));
}

const axeSource = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

type Violation = { id: string; impact: string | null; help: string; nodes: { target: string[] }[] };

/**
 * axe-core's serious and critical findings on the page as it is now. The browser loads it as a script
 * of the page's own origin (answered by playwright, never reaching the server), which the page's
 * Content-Security-Policy allows.
 */
const routed = new WeakSet<Page>();

export async function seriousViolations(page: Page): Promise<string[]> {
  if (!routed.has(page)) {
    routed.add(page);
    await page.route("**/__test-axe.js", (route) => route.fulfill({ body: axeSource, contentType: "text/javascript" }));
    await page.addScriptTag({ url: "/__test-axe.js" });
  }
  const violations = (await page.evaluate("window.axe.run(document, { resultTypes: ['violations'] }).then((r) => r.violations)")) as Violation[];
  return violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
}

export async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`) });
}
