/**
 * The real-store excerpts (../shared/realdata, read where they are): each case answers as the amended
 * event contract says — own timestamps, the tool-error rule, prompt errors, gateway lines outside the
 * model-switch rule, leaf/reset/metadata lines, v1 compactions and pi's token totals.
 */
import { describe, expect, it } from "vitest";
import type { SessionEvent } from "../src/contract/event.js";
import { querySessionEvents, querySessionsEvents } from "../src/engine/run-query.js";
import { contextFor } from "./helpers/context.js";
import { HAVE_REALDATA, realStore } from "./helpers/realdata.js";

const iso = (t: string) => Date.parse(t);

async function all(store: string, sessionKey: string, extra: Record<string, unknown> = {}): Promise<SessionEvent[]> {
  const ctx = contextFor(realStore(store), { clearance: "confidential" });
  const page = await querySessionEvents(ctx, { sessionKey, limit: 500, ...extra });
  expect(page.hasMore).toBe(false);
  return page.events;
}

describe.skipIf(!HAVE_REALDATA)("real transcripts", () => {
  describe("own timestamps (pi v1 branched session, OpenClaw clock steps)", () => {
    it("keeps every line's own time: the header written after the first messages keeps its own", async () => {
      const events = await all("pi-v1", "agent:main:pi-before-compaction");
      expect(events[0]!.type).toBe("session_start");
      expect(events[0]!.timestamp).toBe(iso("2025-12-09T00:53:29.825Z"));
      expect(events[1]!.timestamp).toBe(iso("2025-12-08T22:41:05.306Z"));
      // every event keeps a distinct, real time: not the header's
      const atHeader = events.filter((e) => e.timestamp === events[0]!.timestamp);
      expect(atHeader).toHaveLength(1);
      for (const e of events) expect(e.time).toBe(new Date(e.timestamp).toISOString());
    });

    it("gives tool durations from the lines' own times", async () => {
      const events = await all("pi-v1", "agent:main:pi-before-compaction", { types: ["tool_result", "tool_error"] });
      expect(events.slice(0, 2).map((e) => e.payload.durationMs)).toEqual([5, 14]);
      expect(events.filter((e) => e.payload.durationMs === 0)).toHaveLength(0);
      const clock = await all("clock-step", "agent:main:main", { types: ["tool_result"] });
      const durations = clock.map((e) => e.payload.durationMs);
      expect(durations).toContain(2047); // line 246: its call (line 245) stepped back before line 244
      expect(durations).toContain(11);
    });

    it("selects by each event's own time: --until and --since split the session where its times do", async () => {
      const cut = "2025-12-09T00:00:00Z";
      const whole = await all("pi-v1", "agent:main:pi-before-compaction");
      const before = await all("pi-v1", "agent:main:pi-before-compaction", { until: cut });
      const after = await all("pi-v1", "agent:main:pi-before-compaction", { since: cut });
      expect(before.length + after.length).toBe(whole.length);
      expect(before.every((e) => e.timestamp < iso(cut))).toBe(true);
      expect(after.every((e) => e.timestamp >= iso(cut))).toBe(true);
      // the header and lines 995-1003 lie after the cut; everything else before it
      expect(after[0]!.type).toBe("session_start");
      expect(before[0]!.seq).toBe(2); // the first message, before its header
      expect(before.map((e) => e.seq)).toEqual(whole.filter((e) => e.timestamp < iso(cut)).map((e) => e.seq));
      // descending, the same split
      const ctx = contextFor(realStore("pi-v1"), { clearance: "confidential" });
      const desc = await querySessionEvents(ctx, { sessionKey: "agent:main:pi-before-compaction", limit: 500, until: cut, order: "desc" });
      expect(desc.events.map((e) => e.seq)).toEqual(before.map((e) => e.seq).reverse());
      const descSince = await querySessionEvents(ctx, { sessionKey: "agent:main:pi-before-compaction", limit: 500, since: cut, order: "desc" });
      expect(descSince.events.map((e) => e.seq)).toEqual(after.map((e) => e.seq).reverse());
    });

    it("keeps seq order within a session, and merges sessions by their running maximum of time", async () => {
      const ctx = contextFor(realStore("pi-v1"), { clearance: "confidential" });
      const page = await querySessionsEvents(ctx, { limit: 500 });
      for (const key of ["agent:main:pi-before-compaction", "agent:main:pi-large-session"]) {
        const seqs = page.events.filter((e) => e.session === key).map((e) => e.seq);
        expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
      }
      // large-session (Nov 2025) comes wholly before before-compaction (Dec 2025)
      const firstOfDec = page.events.findIndex((e) => e.session === "agent:main:pi-before-compaction");
      expect(page.events.slice(firstOfDec).every((e) => e.session === "agent:main:pi-before-compaction")).toBe(true);
    });

    it("counts by hour at the events' own hours", async () => {
      const ctx = contextFor(realStore("pi-v1"), { clearance: "confidential" });
      const page = await querySessionEvents(ctx, { sessionKey: "agent:main:pi-before-compaction", groupBy: ["hour"] });
      const events = await all("pi-v1", "agent:main:pi-before-compaction");
      const byHour = new Map<string, number>();
      for (const e of events) {
        const hour = new Date(Math.floor(e.timestamp / 3_600_000) * 3_600_000).toISOString();
        byHour.set(hour, (byHour.get(hour) ?? 0) + 1);
      }
      const groups = new Map(page.groups!.map((g) => [g.key.hour as string, g.count]));
      expect(groups).toEqual(byHour);
      expect(groups.size).toBeGreaterThan(2);
    });
  });

  describe("v1 compactions and token totals", () => {
    it("keeps firstKeptEntryIndex of a v1 compaction", async () => {
      const events = await all("pi-v1", "agent:main:pi-before-compaction", { types: ["compaction"] });
      expect(events.map((e) => e.payload.firstKeptEntryIndex)).toEqual([293, 551]);
      expect(events.every((e) => e.payload.firstKeptEntryId === undefined)).toBe(true);
    });

    it("totals tokens as input + output + cacheRead + cacheWrite where usage has no totalTokens", async () => {
      const events = await all("pi-v1", "agent:main:pi-large-session", { types: ["message"] });
      const usages = events.filter((e) => e.payload.usage).map((e) => e.payload.usage as Record<string, number>);
      expect(usages.every((u) => u.totalTokens === undefined)).toBe(true);
      const expected = usages.reduce((sum, u) => sum + (u.input ?? 0) + (u.output ?? 0) + (u.cacheRead ?? 0) + (u.cacheWrite ?? 0), 0);
      expect(usages.some((u) => u.input === 3 && u.output === 191 && u.cacheWrite === 1684)).toBe(true);
      const ctx = contextFor(realStore("pi-v1"), { clearance: "confidential" });
      const counted = await querySessionEvents(ctx, { sessionKey: "agent:main:pi-large-session", types: ["message"], groupBy: ["type"] });
      expect(counted.groups![0]!.tokens!.total).toBe(expected);
    });
  });

  describe("the tool-error rule", () => {
    it("is a tool_error when details.status is error, even with isError false", async () => {
      const events = await all("tool-status", "agent:main:main", { types: ["tool_result", "tool_error"] });
      const read = events.filter((e) => e.payload.toolName === "read");
      expect(read.map((e) => e.type)).toEqual(["tool_result", "tool_error"]);
      expect(read[1]!.payload.durationMs).toBe(68);
    });

    it("keeps running and failed statuses as tool_result; isError true is a tool_error", async () => {
      const analyst = await all("tool-status", "agent:analyst:main", { types: ["tool_result", "tool_error"] });
      expect(analyst.map((e) => e.type)).toEqual(["tool_result", "tool_result", "tool_result"]);
      const ken = await all("tool-status", "agent:ken:main", { types: ["tool_result", "tool_error"] });
      expect(ken.map((e) => [e.payload.toolName, e.type])).toEqual([
        ["web_fetch", "tool_error"],
        ["exec", "tool_result"],
      ]);
    });

    it("never lists a writer's .lock file as a session", async () => {
      const ctx = contextFor(realStore("tool-status"), { clearance: "confidential" });
      const page = await querySessionsEvents(ctx, { limit: 500 });
      expect(page.events.some((e) => e.sessionId.includes("b4c26dcb"))).toBe(false);
    });
  });

  describe("prompt errors", () => {
    it("turn openclaw:prompt-error into error {message, provider, model, runId}", async () => {
      const errors = await all("prompt-error", "agent:main:main", { types: ["error"] });
      expect(errors).toHaveLength(5); // four assistant error lines (429) and the prompt error
      const prompt = errors.at(-1)!;
      expect(prompt.payload).toMatchObject({ provider: "ollama", model: "gemma4:e4b", runId: "2e9fe4fd-b41c-428b-952d-636a9769f14c" });
      expect(String(prompt.payload.message)).toMatch(/^LLM idle timeout \(120s\)/);
      expect(prompt.timestamp).toBe(iso("2026-04-24T16:30:18.498Z"));
    });

    it("leaves an aborted reply out of the errors", async () => {
      const errors = await all("prompt-error", "agent:analyst:main", { types: ["error"] });
      expect(errors).toHaveLength(1);
      expect(errors[0]!.payload.runId).toBe("f224be06-dde8-413a-85a6-d7a8ac83f834");
    });
  });

  describe("model switches", () => {
    it("ignore the gateway's own lines (clawdbot, openclaw; delivery-mirror, gateway-injected)", async () => {
      for (const [agent, key] of [
        ["main", "agent:main:main"],
        ["b", "agent:b:main"],
      ] as const) {
        const switches = await all("delivery-mirror", key, { types: ["model_switch"] });
        const named = switches.flatMap((e) => [e.payload.from, e.payload.to] as Array<{ provider: string; model: string }>);
        expect(named.some((m) => ["clawdbot", "openclaw"].includes(m.provider) || m.model === "delivery-mirror"), agent).toBe(false);
      }
      const main = await all("delivery-mirror", "agent:main:main", { types: ["model_switch"] });
      expect(main).toHaveLength(0);
    });

    it("still switch on real changes: snapshots between ollama and openai-codex", async () => {
      const switches = await all("delivery-mirror", "agent:c:main", { types: ["model_switch"] });
      expect(switches.map((e) => [(e.payload.to as { model: string }).model, e.payload.reason])).toEqual([
        ["gpt-5.4", "snapshot"],
        ["qwen3.5:9b", "snapshot"],
      ]);
    });
  });

  describe("leaf, reset and metadata lines", () => {
    it("give state_change leaf/reset and custom metadata, and nothing is skipped", async () => {
      const ctx = contextFor(realStore("leaf-reset-metadata"), { clearance: "confidential" });
      const page = await querySessionsEvents(ctx, { limit: 500 });
      expect(page.skippedLines).toBe(0);
      const changes = page.events.filter((e) => e.type === "state_change" || e.type === "custom").map((e) => e.payload);
      expect(changes).toEqual([
        { key: "leaf", value: "root" },
        { key: "reset", value: "idle" },
        { kind: "metadata" },
      ]);
    });
  });

  describe("spawns", () => {
    it("come from accepted sessions_spawn results only; a forbidden one gives none", async () => {
      const spawns = await all("spawn", "agent:main:main", { types: ["spawn"] });
      expect(spawns).toHaveLength(2);
      expect(spawns.every((e) => typeof e.payload.childSessionKey === "string" && typeof e.payload.task === "string")).toBe(true);
      expect(await all("spawn", "agent:lead:main", { types: ["spawn"] })).toHaveLength(0);
      const errors = await all("spawn", "agent:main:main", { types: ["tool_error"] });
      expect(errors.map((e) => e.payload.toolName)).toEqual(["exec"]);
    });
  });
});
