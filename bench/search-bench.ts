/**
 * A quick measure of text search by scanning (no index yet), to inform the choice of an index:
 * `npm run build && node dist/bench/search-bench.js` (BENCH_STORE_MB, default 50; BENCH_SESSIONS, default 300).
 * Generates a store in a temp dir, times a two-word query and a phrase (sessions_search and a
 * sessions_events walk with text) against `grep -ril` over the same files, prints the numbers.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createAppContext } from "../src/app/context.js";
import { querySessionsEvents } from "../src/engine/run-query.js";
import { searchSessions } from "../src/engine/search/search-sessions.js";
import { generateStore } from "./generate-store.js";

const MiB = 1024 * 1024;
const storeMb = Number(process.env.BENCH_STORE_MB ?? 50);
const sessions = Number(process.env.BENCH_SESSIONS ?? 300);
const root = mkdtempSync(join(tmpdir(), "search-bench-"));
try {
  const m = generateStore(join(root, "store"), { totalBytes: storeMb * MiB, sessions, bigBytes: (storeMb / 5) * MiB, mediumBytes: (storeMb / 20) * MiB, seed: 1 });
  console.log(`store: ${(m.totalBytes / MiB).toFixed(0)} MiB, ${m.sessions} sessions, ${m.events} events`);
  const ctx = createAppContext({ store: m.dir, scope: "all", clearance: "internal" }, { SESSION_EVENTS_CACHE_DIR: join(root, "cache"), SESSION_EVENTS_CURSOR_SECRET: "bench-secret-0123456789" });
  const time = async (label: string, run: () => Promise<string> | string) => {
    const start = performance.now();
    const what = await run();
    console.log(`${label.padEnd(44)} ${(performance.now() - start).toFixed(0).padStart(7)} ms  ${what}`);
  };
  for (const query of ["budget review", '"quarter revenue"']) {
    await time(`grep -ril ${query.replaceAll('"', "")}`, () => {
      const word = query.replaceAll('"', "");
      const r = spawnSync("grep", ["-ril", word, m.dir], { encoding: "utf8", maxBuffer: 256 * MiB });
      return `${r.stdout.split("\n").filter(Boolean).length} files`;
    });
    await time(`sessions_search ${query}`, async () => {
      const r = await searchSessions(ctx, { query, limit: 10 });
      return `${r.sessionsWithHits} sessions, top ${r.sessions[0]?.hits ?? 0} hits`;
    });
    await time(`sessions_events text=${query} (walk)`, async () => {
      let cursor: string | undefined;
      let events = 0;
      for (let i = 0; i < 10_000; i++) {
        const page = await querySessionsEvents(ctx, { text: query, limit: 500, fields: ["toolName"], cursor });
        events += page.events.length;
        if (!page.hasMore) break;
        cursor = page.nextCursor;
      }
      return `${events} events`;
    });
  }
  console.log(`peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB`);
} finally {
  rmSync(root, { recursive: true, force: true });
}
