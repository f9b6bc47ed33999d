import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { AppContext } from "../src/app/context.js";
import type { Page } from "../src/contract/page.js";
import { querySessionsEvents } from "../src/engine/run-query.js";
import type { SessionInfo } from "../src/sources/session.js";
import { contextFor } from "./helpers/context.js";
import { header, userLine } from "./helpers/pi-lines.js";
import { TempStateDir } from "./helpers/temp-store.js";

let store: TempStateDir;
beforeEach(() => {
  store = new TempStateDir();
});
afterEach(() => store.remove());

/**
 * A context whose first listing is followed at once by `write` (as a gateway writing between a page's
 * look at the store and its reads): the store, its files and the reads stay real.
 */
function writingAfterFirstListing(ctx: AppContext, write: () => void): AppContext {
  let first = true;
  return {
    ...ctx,
    listSessions: async (stamp) => {
      const sessions = await ctx.listSessions(stamp);
      if (first) {
        first = false;
        write();
      }
      return sessions;
    },
  };
}

/**
 * A context where the first read of each session named in `writes` is preceded by its write (the
 * gateway writing while the page reads: sessions are read one after another).
 */
function writingWhenRead(ctx: AppContext, writes: Record<string, () => void>): AppContext {
  const done = new Set<string>();
  return {
    ...ctx,
    listSessions: async (stamp) =>
      (await ctx.listSessions(stamp)).map((session) => {
        const write = writes[session.sessionId];
        if (!write) return session;
        const events = session.events.bind(session);
        return Object.assign(Object.create(Object.getPrototypeOf(session) as object) as SessionInfo, session, {
          events: (options: Parameters<SessionInfo["events"]>[0]) => {
            if (!done.has(session.sessionId)) {
              done.add(session.sessionId);
              write();
            }
            return events(options);
          },
        });
      }),
  };
}

async function walk(ctx: AppContext, limit: number): Promise<Page[]> {
  const pages: Page[] = [];
  let cursor: string | undefined;
  for (let i = 0; i < 50; i++) {
    const page = await querySessionsEvents(ctx, { limit, cursor });
    pages.push(page);
    cursor = page.nextCursor;
    if (!page.hasMore) return pages;
  }
  throw new Error("the walk did not end");
}

const texts = (pages: Page[]) => pages.flatMap((p) => p.events.map((e) => (e.payload.text as string | undefined) ?? `${e.sessionId}:${e.type}`));

describe("a session created while a page reads", () => {
  const now = Date.now();
  const entries = { "agent:main:a": { sessionId: "sa", updatedAt: now - 5000 } };
  const created = { ...entries, "agent:main:new": { sessionId: "snew", updatedAt: now - 2000 } };

  it("is read by that page: its events are not passed by events of sessions read after it appeared", async () => {
    store.registry("main", entries);
    store.transcript("main", "sa.jsonl", [header("sa", now - 10_000), userLine(now - 9000, "a before")]);
    const ctx = writingAfterFirstListing(contextFor(store.root), () => {
      store.registry("main", created);
      store.transcript("main", "snew.jsonl", [header("snew", now - 2000), userLine(now - 1900, "new first")]);
      store.append("main", "sa.jsonl", [userLine(now - 1000, "a after")]);
    });
    const pages = await walk(ctx, 10);
    expect(texts(pages)).toEqual(["sa:session_start", "a before", "snew:session_start", "new first", "a after"]);
  });

  it("is read when its registry entry came first and its transcript only while the page read", async () => {
    store.registry("main", created);
    store.transcript("main", "sa.jsonl", [header("sa", now - 10_000), userLine(now - 9000, "a before")]);
    const ctx = writingWhenRead(contextFor(store.root), {
      sa: () => {
        store.transcript("main", "snew.jsonl", [header("snew", now - 2000), userLine(now - 1900, "new first")]);
        store.append("main", "sa.jsonl", [userLine(now - 1000, "a after")]);
      },
    });
    const pages = await walk(ctx, 10);
    expect(texts(pages)).toEqual(["sa:session_start", "a before", "snew:session_start", "new first", "a after"]);
  });

  it("ends where the sessions it could not read could begin when the store keeps gaining them, and says there is more", async () => {
    store.registry("main", entries);
    store.transcript("main", "sa.jsonl", [header("sa", now - 10_000), userLine(now - 9000, "a before"), userLine(now + 5000, "a later")]);
    const registered = { ...created, "agent:main:next": { sessionId: "snext", updatedAt: now } };
    const ctx = writingWhenRead(contextFor(store.root), {
      // each session the page reads, another is created meanwhile: the page looks again once, then ends
      sa: () => {
        store.registry("main", created);
        store.transcript("main", "snew.jsonl", [header("snew", now - 2000), userLine(now - 1900, "new first")]);
      },
      snew: () => {
        store.registry("main", registered);
        store.transcript("main", "snext.jsonl", [header("snext", now + 10_000), userLine(now + 10_100, "next first")]);
      },
    });
    const pages = await walk(ctx, 10);
    expect(pages[0]).toMatchObject({ stoppedBy: "storeChanged", hasMore: true });
    expect(texts(pages.slice(0, 1))).toEqual(["sa:session_start", "a before", "snew:session_start", "new first"]);
    expect(texts(pages)).toEqual(["sa:session_start", "a before", "snew:session_start", "new first", "a later", "snext:session_start", "next first"]);
  });
});
