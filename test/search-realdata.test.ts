/**
 * Text search over the real-store excerpts, read where they are: for every store, every word of a
 * sample of its events' text finds that event (with `text`) and its session (sessions_search).
 */
import { readdirSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { querySessionsEvents } from "../src/engine/run-query.js";
import { searchSessions } from "../src/engine/search/search-sessions.js";
import { wordsOf } from "../src/engine/search/words.js";
import { contextFor } from "./helpers/context.js";
import { HAVE_REALDATA, REALDATA_SKIP_REASON, REALDATA_STORES, realStore } from "./helpers/realdata.js";

const STORES = HAVE_REALDATA ? readdirSync(REALDATA_STORES) : [];

describe.skipIf(!HAVE_REALDATA)(`text search over real stores (${HAVE_REALDATA ? "present" : REALDATA_SKIP_REASON})`, () => {
  it.each(STORES)("%s: a sample of words finds their events and sessions", async (name) => {
    const ctx = contextFor(realStore(name), { clearance: "internal" });
    const page = await querySessionsEvents(ctx, { types: ["message", "tool_result", "error"], limit: 200, maxFieldChars: 100_000 });
    const samples = page.events.filter((e) => typeof (e.payload.text ?? e.payload.message) === "string").slice(0, 6);
    let checked = 0;
    for (const event of samples) {
      const words = wordsOf(String(event.payload.text ?? event.payload.message)).filter((w) => w.length >= 4 && w !== "redacted");
      const word = words[Math.floor(words.length / 2)];
      if (word === undefined) continue;
      const found = await querySessionsEvents(ctx, { text: word, limit: 500, sessionKey: event.session });
      expect(found.events.map((e) => e.id), `${name}: ${word}`).toContain(event.id);
      const ranked = await searchSessions(ctx, { query: `${word}*`, limit: 100 });
      expect(ranked.sessions.map((s) => s.key), `${name}: ${word}*`).toContain(event.session);
      checked++;
    }
    if (samples.length > 0) expect(checked).toBeGreaterThan(0);
  });
});
