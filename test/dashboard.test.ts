/**
 * The dashboard in a real browser (Debian's chromium, playwright-core) against the BUILT `serve` on a
 * copy of the sample store: every view shows what the API answers for the same principal, a line
 * appended to a transcript shows up live, no console errors, no serious axe findings; screenshots go to
 * test-artifacts/dashboard/.
 */
import { appendFileSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildRegistryStore } from "../bench/scale-stores.js";
import { cleanEnv, runCli, useSampleStoreCopy } from "./helpers/built-server.js";
import { consoleErrors, launchBrowser, screenshot, seriousViolations } from "./helpers/browser.js";
import { bearer, get, serve, type Served } from "./helpers/http-server.js";

type Group = { key: Record<string, string | null>; count: number; errors: number; tokens?: { total: number }; costUsd?: number; durationMs?: { p50: number; p95: number } };
type ChartSeries = { x: string[]; series: { label: string; color: string; values: (number | null)[] }[] };

const MAIN = "agent:main:main";
const MAIN_TRANSCRIPT = join("agents", "main", "sessions", "3f1e2c4a-8b7d-4c1e-9a2f-5d6e7f8a9b01.jsonl");

describe("dashboard in a real browser", () => {
  const sample = useSampleStoreCopy();
  let open: Served;
  let guarded: Served;
  let selfToken: string;
  let browser: Browser;
  const logs: { seen: string[]; allowed: RegExp[] }[] = [];
  const pages: Page[] = [];

  const api = async (path: string, server = open, headers: Record<string, string> = {}) => {
    const answer = await get(`${server.url}${path}`, { headers });
    expect(answer.status, answer.body).toBe(200);
    return answer.json();
  };

  const newPage = async (label: string, allowed: RegExp[] = []): Promise<Page> => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    const seen: string[] = [];
    consoleErrors(page, seen, label);
    pages.push(page);
    logs.push({ seen, allowed });
    return page;
  };

  const checked = async (page: Page, name: string) => {
    await screenshot(page, name);
    expect(await seriousViolations(page), `axe on ${name}`).toEqual([]);
  };

  beforeAll(async () => {
    const tokens = join(sample.box.root, "tokens.json");
    const made = await runCli(["token", "add", "one-session", "--caller", MAIN, "--scope", "self", "--tokens", tokens], sample.env);
    expect(made.code, made.stderr).toBe(0);
    selfToken = made.stdout.trim();
    [open, guarded, browser] = await Promise.all([
      serve(["--store", sample.box.store, "--no-index"], sample.env),
      serve(["--store", sample.box.store, "--no-index", "--tokens", tokens], sample.env),
      launchBrowser(),
    ]);
  });

  afterAll(async () => {
    await browser?.close();
    await Promise.all([open?.stop(), guarded?.stop()]);
  });

  it("shows every session the operator may see, children under their parents", async () => {
    const expected: { key: string; spawnedBy: string | null }[] = await api("/api/sessions");
    const page = await newPage("tree");
    await page.goto(`${open.url}/#/sessions`);
    await page.getByTestId("session-count").waitFor();
    const shown = await page.locator(".session-row[data-key]").evaluateAll((rows) => rows.map((r) => r.getAttribute("data-key")!));
    expect([...shown].sort()).toEqual(expected.map((s) => s.key).sort());
    for (const session of expected) {
      if (session.spawnedBy && shown.includes(session.spawnedBy)) expect(shown.indexOf(session.spawnedBy)).toBeLessThan(shown.indexOf(session.key));
    }

    // each row's counts are the API's groupBy numbers for that session
    const bySession = async (types?: string) => {
      const groups: Group[] = (await api(`/api/events?groupBy=session&limit=500${types ? `&types=${types}` : ""}`)).groups;
      return new Map(groups.map((g) => [g.key.session!, g]));
    };
    const [all, messages, tools] = await Promise.all([bySession(), bySession("message"), bySession("tool_call")]);
    const want = expected.map((s): [string, string[]] => [s.key, [messages.get(s.key)?.count ?? 0, tools.get(s.key)?.count ?? 0, all.get(s.key)?.errors ?? 0].map(String)]);
    const cells = () =>
      page.locator(".session-row[data-key]").evaluateAll((rows) =>
        rows.map((r): [string | null, (string | undefined)[]] => [r.getAttribute("data-key"), ["messages", "tool calls", "errors"].map((t) => r.querySelector(`[title="${t}"]`)!.textContent!.split(" ").at(-1))]),
      );
    await expect.poll(async () => new Map(await cells())).toEqual(new Map(want));
    expect([...all.values()].some((g) => g.errors > 0), "the sample store has a session with errors").toBe(true);

    await checked(page, "sessions");
    await page.emulateMedia({ colorScheme: "dark" });
    await checked(page, "sessions-dark");
  });

  it("keeps thousands of sessions light: only the rows in view are in the page, and counts past the groupBy cap show as unknown", async () => {
    const root = mkdtempSync(join(tmpdir(), "session-events-dash-many-"));
    const many = buildRegistryStore(join(root, "store"), { entries: 1500, fat: false, withTranscripts: 600 });
    const server = await serve(["--store", many.dir, "--no-index"], cleanEnv({ SESSION_EVENTS_CACHE_DIR: join(root, "cache") }));
    try {
      const page = await newPage("many");
      await page.goto(`${server.url}/#/sessions`);
      await expect.poll(() => page.getByTestId("session-count").textContent(), { timeout: 20_000 }).toBe("1500 sessions");
      expect(await page.locator(".session-row[data-key]").count()).toBeLessThan(80);
      // every session has one message; groupBy names 500 of them: those show 1, the others unknown (not 0)
      await page.getByText(/Counts are known for the 500 busiest sessions/).waitFor({ timeout: 20_000 });
      const answer = await get(`${server.url}/api/events?groupBy=session&types=message&limit=500`);
      const counted = new Set((answer.json().groups as Group[]).map((g) => g.key.session));
      expect(counted.size).toBe(500);
      const shown = new Map<string, string>();
      const readRows = async () => {
        const rows = await page.locator(".session-row[data-key]").evaluateAll((cells) =>
          cells.map((r): [string, string] => [r.getAttribute("data-key")!, r.querySelector('[title="messages"]')!.textContent!.split(" ").at(-1)!]),
        );
        expect(rows.length).toBeLessThan(80);
        for (const [key, count] of rows) shown.set(key, count);
      };
      const list = page.locator(".virtual");
      for (const at of [0, 0.17, 0.5, 1]) {
        await list.evaluate((element, share) => element.scrollTo(0, share * element.scrollHeight), at);
        await page.waitForTimeout(100);
        await readRows();
      }
      expect(shown.has("agent:main:telegram:dm:100000"), "scrolled to the oldest").toBe(true);
      for (const [key, count] of shown) expect(count, key).toBe(counted.has(key) ? "1" : "—");
      expect(new Set(shown.values())).toEqual(new Set(["1", "—"]));
    } finally {
      await server.stop();
      rmSync(root, { recursive: true, force: true });
    }
  });

  it("the search box shows the sessions /api/search finds, with links to the hits", async () => {
    const expected = await api("/api/search?query=report&limit=20");
    expect(expected.sessions.length).toBeGreaterThan(0);
    const page = await newPage("search");
    await page.goto(`${open.url}/#/sessions`);
    await page.getByLabel("Search all events").fill("report");
    await page.getByLabel("Search all events").press("Enter");
    const results = page.getByRole("list", { name: "search results" });
    await results.waitFor();
    const shown = await results.locator(":scope > li > a").allTextContents();
    expect(shown).toEqual(expected.sessions.map((s: { key: string }) => s.key));
    const first = expected.sessions[0].snippets[0];
    const link = results.locator(":scope > li").first().locator("ul a").first();
    expect(await link.getAttribute("href")).toBe(`#/timeline/${encodeURIComponent(expected.sessions[0].key)}?seq=${first.seq}`);
    await link.click();
    await page.locator(`li.event#seq-${first.seq}.focused`).waitFor();
  });

  it("asks a server with tokens for one, keeps it for the tab only, and a self token sees its one session", async () => {
    const expected: { key: string }[] = await api("/api/sessions", guarded, bearer(selfToken));
    expect(expected.map((s) => s.key)).toEqual([MAIN]);
    // before the token, the page's one probe is refused: the browser logs that 401 itself
    const page = await newPage("login", [/status of 401/]);
    await page.goto(`${guarded.url}/`);
    await page.getByLabel("Token").waitFor();
    await checked(page, "login");
    await page.getByLabel("Token").fill(selfToken);
    await page.getByRole("button", { name: "Sign in" }).press("Enter");
    await page.getByTestId("session-count").waitFor();
    const shown = await page.locator(".session-row[data-key]").evaluateAll((rows) => rows.map((r) => r.getAttribute("data-key")));
    expect(shown).toEqual([MAIN]);
    expect(page.url()).not.toContain(selfToken);
    expect(await page.evaluate("JSON.stringify(localStorage)")).not.toContain(selfToken);
    expect(await page.evaluate("Object.values(sessionStorage)")).toContain(selfToken);
  });

  it("shows a session's timeline for a type filter as the API gives it, and the filter lives in the URL", async () => {
    const page = await newPage("timeline");
    const key = encodeURIComponent(MAIN);
    await page.goto(`${open.url}/#/timeline/${key}?types=tool_call,tool_error`);
    await page.getByTestId("event-count").waitFor();
    const ids = () => page.locator("li.event").evaluateAll((rows) => rows.map((r) => r.getAttribute("data-id")));
    const answer = await api(`/api/sessions/${key}/events?types=tool_call,tool_error&limit=500`);
    expect(await ids()).toEqual(answer.events.map((e: { id: string }) => e.id));

    // a tool call opens beside its result: the failed exec and its error
    const failed = page.locator("li.event.failed[data-type=tool_call]").first();
    await failed.locator("summary").click();
    await expect.poll(() => failed.locator(".call-and-result h3").allTextContents()).toEqual(["call", expect.stringMatching(/^error \(#\d+\)$/)]);
    await checked(page, "timeline");

    // keyboard: tick "message" too
    await page.getByRole("checkbox", { name: "message", exact: true }).focus();
    await page.keyboard.press("Space");
    await expect.poll(() => page.url()).toContain("types=tool_call%2Ctool_error%2Cmessage");
    const wider = await api(`/api/sessions/${key}/events?types=tool_call,tool_error,message&limit=500`);
    await expect.poll(ids).toEqual(wider.events.map((e: { id: string }) => e.id));
  });

  it("time travel shows the state the API gives at that seq, and steps by keyboard", async () => {
    const page = await newPage("state");
    const key = encodeURIComponent(MAIN);
    const field = (name: string) => page.locator(`[data-field=${name}]`).textContent();
    const expectState = async (seq: number) => {
      const state = await api(`/api/sessions/${key}/state?atSeq=${seq}&lastMessages=5`);
      await expect.poll(() => field("seq")).toBe(String(state.seq));
      expect(await field("model")).toBe(`${state.model.provider}/${state.model.model}`);
      expect(await field("tokens")).toBe(state.totals.tokens.total.toLocaleString("en-US"));
      expect(await field("messagesInContext")).toBe(String(state.messagesInContext));
      expect(await page.locator(".context-messages li").count()).toBe(state.lastMessages.length);
    };
    await page.goto(`${open.url}/#/state/${key}?seq=12`);
    await expectState(12);
    await checked(page, "time-travel");
    await page.getByRole("button", { name: "one event forward" }).press("Enter");
    await expectState(13);
    await page.getByRole("slider", { name: "Event seq" }).press("End");
    const last = await api(`/api/sessions/${key}/events?order=desc&limit=1`);
    await expectState(last.events[0].seq);
  });

  it("draws every chart from the groupBy numbers", async () => {
    const groups = async (query: string): Promise<Group[]> => (await api(`/api/events?limit=500&${query}`)).groups;
    const [hour, model, day, tool] = await Promise.all([
      groups("groupBy=hour"),
      groups("groupBy=model&types=message"),
      groups("groupBy=day&types=message"),
      groups("groupBy=tool&types=tool_result,tool_error"),
    ]);
    const byTime = (list: Group[], k: string) => list.filter((g) => g.key[k]).sort((a, b) => Date.parse(a.key[k]!) - Date.parse(b.key[k]!));
    const byName = (list: Group[], k: string) => list.filter((g) => g.key[k]).sort((a, b) => a.key[k]!.localeCompare(b.key[k]!));
    const hours = byTime(hour, "hour");
    const models = byName(model, "model");
    const days = byTime(day, "day");
    const tools = byName(tool, "tool");
    const expected: Record<string, { x: (string | number)[]; values: (number | null)[][] }> = {
      "events-per-hour": { x: hours.map((g) => Date.parse(g.key.hour!)), values: [hours.map((g) => g.count), hours.map((g) => g.errors)] },
      "tokens-by-model": { x: models.map((g) => g.key.model!), values: [models.map((g) => g.tokens?.total ?? 0), models.map((g) => g.costUsd ?? 0)] },
      "tokens-by-day": { x: days.map((g) => Date.parse(g.key.day!)), values: [days.map((g) => g.tokens?.total ?? 0), days.map((g) => g.costUsd ?? 0)] },
      tools: {
        x: tools.map((g) => g.key.tool!),
        values: [tools.map((g) => (100 * g.errors) / g.count), tools.map((g) => g.durationMs?.p50 ?? null), tools.map((g) => g.durationMs?.p95 ?? null)],
      },
    };

    const page = await newPage("analytics");
    await page.goto(`${open.url}/#/analytics`);
    await page.locator("figure[data-chart] canvas").nth(3).waitFor();
    for (const [id, want] of Object.entries(expected)) {
      const chart = page.locator(`figure[data-chart="${id}"]`);
      const drawn = JSON.parse((await chart.getAttribute("data-series"))!) as ChartSeries;
      expect(drawn.x.length, id).toBeGreaterThan(0);
      expect(drawn.x.map((x) => (typeof want.x[0] === "number" ? Date.parse(x) : x)), id).toEqual(want.x);
      want.values.forEach((values, i) => {
        values.forEach((value, at) => {
          if (value === null) expect(drawn.series[i]!.values[at], id).toBeNull();
          else expect(drawn.series[i]!.values[at], `${id} ${drawn.series[i]!.label}[${at}]`).toBeCloseTo(value, 1);
        });
      });
      // the first series' own colour is on the canvas: its bars were drawn, not only the axes
      const inked = await chart.locator("canvas").evaluate((element, color: string) => {
        const canvas = element as unknown as { width: number; height: number; getContext(kind: "2d"): { getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray } } };
        const [r, g, b] = [1, 3, 5].map((i) => parseInt(color.slice(i, i + 2), 16));
        const { data } = canvas.getContext("2d")!.getImageData(0, 0, canvas.width, canvas.height);
        let count = 0;
        for (let i = 0; i < data.length; i += 4) if (Math.abs(data[i]! - r!) < 12 && Math.abs(data[i + 1]! - g!) < 12 && Math.abs(data[i + 2]! - b!) < 12 && data[i + 3]! > 200) count++;
        return count;
      }, drawn.series[0]!.color);
      expect(inked, `${id}: pixels of its first series`).toBeGreaterThan(20);
    }
    await checked(page, "analytics");
  });

  it("shows a line appended to a transcript in the live tail and in the open timeline, without a reload", async () => {
    const live = await newPage("live");
    const timeline = await newPage("timeline-live");
    await live.goto(`${open.url}/#/live`);
    await timeline.goto(`${open.url}/#/timeline/${encodeURIComponent(MAIN)}`);
    await live.getByText("stream: open").waitFor();
    await timeline.getByText("live: open").waitFor();
    const before = await timeline.locator("li.event").count();

    const transcript = join(sample.box.store, MAIN_TRANSCRIPT);
    const lastId = JSON.parse(readFileSync(transcript, "utf8").trim().split("\n").at(-1)!).id as string;
    const marker = `dashboard live marker ${Date.now()}`;
    const now = Date.now();
    const line = { type: "message", id: "d0000001", parentId: lastId, timestamp: new Date(now).toISOString(), message: { role: "user", content: marker, timestamp: now } };
    const written = Date.now();
    appendFileSync(transcript, `${JSON.stringify(line)}\n`);

    await live.locator("li.event", { hasText: marker }).waitFor({ timeout: 5_000 });
    await timeline.locator("li.event", { hasText: marker }).waitFor({ timeout: 5_000 });
    expect(Date.now() - written).toBeLessThan(5_000);
    expect(await timeline.locator("li.event").count()).toBe(before + 1);
    await checked(live, "live");

    // paused, a new event waits; resumed, it shows
    await live.getByRole("button", { name: "Pause" }).press("Enter");
    const second = `${marker} again`;
    appendFileSync(transcript, `${JSON.stringify({ ...line, id: "d0000002", parentId: "d0000001", message: { ...line.message, content: second } })}\n`);
    await live.getByRole("button", { name: /Resume \(1 waiting\)/ }).waitFor({ timeout: 5_000 });
    expect(await live.locator("li.event", { hasText: second }).count()).toBe(0);
    await live.getByRole("button", { name: /Resume/ }).press("Enter");
    await live.locator("li.event", { hasText: second }).waitFor();
  });

  it("logged no console errors", async () => {
    for (const page of pages) await page.close();
    // less what a page was expected to log
    expect(logs.flatMap(({ seen, allowed }) => seen.filter((e) => !allowed.some((a) => a.test(e))))).toEqual([]);
  });
});
