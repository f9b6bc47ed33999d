/**
 * Export and fork over the real-store excerpts, where they are (skipped, saying why, when absent):
 * every format valid for every store; a fork of each pi session, read back, holds the original's
 * events up to N on the active branch, and the store is unchanged.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { z } from "zod";
import type { SessionEvent } from "../src/contract/event.js";
import { querySessionEvents, querySessionsEvents } from "../src/engine/run-query.js";
import { EXPORT_FORMATS } from "../src/export/formats/index.js";
import { forkSession } from "../src/export/fork.js";
import { DEFAULT_RULES } from "../src/export/quality.js";
import { runExport } from "../src/export/run-export.js";
import type { Sink } from "../src/export/sink.js";
import { contextFor } from "./helpers/context.js";
import { AlpacaExample, OpenAiExample, ShareGptExample } from "./helpers/export-schemas.js";
import { HAVE_REALDATA, REALDATA_SKIP_REASON, REALDATA_STORES, realStore } from "./helpers/realdata.js";
import { TempStateDir } from "./helpers/temp-store.js";

const STORES = HAVE_REALDATA ? readdirSync(REALDATA_STORES) : [];
const dir = mkdtempSync(join(tmpdir(), "export-real-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/**
 * What a line alone decides of its events. A model_switch's `from`, and a tool result's durationMs, come
 * from earlier lines; the excerpts leave gaps in parent chains (a parentId naming a line cut out), so a
 * fork of them may lack those lines and rightly differ there.
 */
const comparable = (e: SessionEvent) => {
  const { durationMs: _, ...payload } = e.payload;
  return JSON.stringify([e.type, payload, e.timestamp]);
};
const lineOwn = (e: SessionEvent) => e.type !== "model_switch";

async function allEvents(root: string, sessionKey: string): Promise<SessionEvent[]> {
  const ctx = contextFor(root, { clearance: "confidential" });
  const events: SessionEvent[] = [];
  for (let cursor: string | undefined, i = 0; i < 100; i++) {
    const page = await querySessionEvents(ctx, { sessionKey, limit: 500, maxFieldChars: 100_000, ...(cursor ? { cursor } : {}) });
    events.push(...page.events);
    if (!page.hasMore) break;
    cursor = page.nextCursor;
  }
  return events;
}

describe.skipIf(!HAVE_REALDATA)(`real stores${HAVE_REALDATA ? "" : ` (${REALDATA_SKIP_REASON})`}`, () => {
  it.each(STORES)("%s: every format is valid", async (name) => {
    for (const format of EXPORT_FORMATS) {
      let text = "";
      const out: Sink = { write: async (t) => void (text += t), end: async () => undefined };
      await runExport(contextFor(realStore(name)), { many: { generations: "all" } }, { format, maxTurns: 20, rules: { ...DEFAULT_RULES, minScore: 0 }, out });
      if (format === "openai") for (const line of text.split("\n").filter(Boolean)) OpenAiExample.parse(JSON.parse(line));
      else z.array(format === "sharegpt" ? ShareGptExample : AlpacaExample).parse(JSON.parse(text));
    }
  }, 60_000);

  it.each(STORES)("%s: a fork of each pi session reads back as the original up to N", async (name) => {
    const root = realStore(name);
    const ctx = contextFor(root);
    const sessions = (await querySessionsEvents(ctx, { groupBy: ["session"], limit: 500 })).groups ?? [];
    for (const group of sessions) {
      const key = String(group.key.session);
      const original = (await allEvents(root, key)).filter((e) => e.type !== "session_end" && lineOwn(e));
      if (original.length < 2 || original[0]!.meta?.source === "clawjs") continue;
      for (const event of [original[Math.floor(original.length / 2)]!, original[original.length - 1]!]) {
        const out = join(dir, `${name}-${event.sessionId}-${event.seq}.jsonl`);
        const result = await forkSession(ctx, { session: key, atSeq: event.seq, out, force: true });
        const text = readFileSync(out, "utf8");
        const back = new TempStateDir("fork-real-back-");
        try {
          back.registry("main", { "agent:main:forked": { sessionId: result.sessionId } });
          writeFileSync(join(back.sessionsDir("main"), `${result.sessionId}.jsonl`), text);
          const forked = await allEvents(back.root, "agent:main:forked");
          const known = new Set(original.map(comparable));
          expect(forked.map(comparable), `${name} ${key} at ${event.seq}`).toContain(comparable(event));
          for (const e of forked.slice(1).filter(lineOwn)) expect(known.has(comparable(e)), `${name} ${key} ${e.type} ${e.seq}`).toBe(true);
        } finally {
          back.remove();
        }
      }
    }
  }, 60_000);
});
