/**
 * Generates a large, realistic OpenClaw file store (STORES.md §1a) for the benchmarks, deterministically
 * (seeded; times are offsets from the generator's clock, so "the last hour" is real when generated):
 * agents main, work and ops, a sessions.json per agent, pi v3 transcripts with one BIG session and one
 * MEDIUM session that both have a busy last hour. Counts the ground truth the benchmark checks against
 * while writing. `generateStore` reuses a store already generated with the same options.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { childSpan, planStore, writeOrder, type PlannedSession, type StoreOptions } from "./gen-plan.js";
import { Rng, buildPools, fill, mixSeed, type TextPools } from "./gen-random.js";
import { SessionGenerator, type SpawnPlan } from "./gen-session.js";
import { TranscriptWriter, type Truth } from "./gen-transcript.js";

export type { StoreOptions } from "./gen-plan.js";

/** Bump when the generated content changes, so cached stores are regenerated. */
const GENERATOR_VERSION = 5;
const MANIFEST = "bench-manifest.json";
const HOUR = 3_600_000;

export type SessionFacts = {
  key: string;
  sessionId: string;
  path: string;
  bytes: number;
  lines: number;
  events: number;
  /** Lines and events with a timestamp at or after `since`. */
  recentLines: number;
  recentEvents: number;
};

export type StoreManifest = {
  version: number;
  options: StoreOptions;
  dir: string;
  /** The generator's clock; `since` = now - 1h is "the last hour". */
  now: number;
  since: number;
  totalBytes: number;
  sessions: number;
  sessionsByAgent: Record<string, number>;
  lines: number;
  events: number;
  bigSession: SessionFacts;
  mediumSession: SessionFacts;
  /** A small session, for the huge-line test. */
  smallSession: SessionFacts;
  /** Sessions with an event at or after `since`. */
  recentSessions: number;
  recentLines: number;
  recentEvents: number;
  toolResults: number;
  toolErrorsByTool: Record<string, number>;
  toolErrors: number;
  spawnedSessions: number;
  compactions: number;
  largestLineBytes: number;
  generationMs: number;
};

type Written = { plan: PlannedSession; facts: SessionFacts; lastEvent: number; lastLine: number; entry: Record<string, unknown>; compactions: number; largest: number };

const ENDED = ["done", "done", "done", "done", "done", "done", "done", "done", "done", "failed", "failed", "timeout", "killed"];

function sessionsDir(dir: string, agent: string): string {
  return join(dir, "agents", agent, "sessions");
}

/** Writes one planned session's transcript and returns its facts and registry entry. */
function writeSession(dir: string, plan: PlannedSession, pools: TextPools, now: number, since: number, truth: Truth, spawns: Map<PlannedSession, SpawnPlan>): Written {
  const rng = new Rng(mixSeed(plan.index, 0x5e55, plan.sessionId.charCodeAt(0)));
  const path = join(sessionsDir(dir, plan.agent), `${plan.sessionId}.jsonl`);
  const w = new TranscriptWriter(path, since, truth, mixSeed(plan.index, 0xa11d), now - 1000);
  const spawn = plan.parent ? spawns.get(plan) : undefined;
  if (plan.parent) {
    // a sub-agent lives from its spawn for a few minutes, never past now
    plan.start = (spawn?.spawnedAt ?? plan.parent.end) + rng.int(300, 1500);
    plan.end = Math.min(plan.start + childSpan(rng), now - 5_000);
  }
  const channelPrefix = plan.kind === "dm" || plan.kind === "group" ? `[${plan.channel ?? "telegram"} ${plan.peer ?? "group"}]` : undefined;
  const script = { rng, pools, w, model: plan.model, bigResults: [...plan.bigResults], opening: spawn?.task, channelPrefix, pace: plan.recent && plan.parent ? 0.25 : 1 };
  const gen = new SessionGenerator(script);
  const childSpawns = (inTail: boolean) =>
    plan.children
      .filter((c) => c.spawnAt!.inTail === inTail)
      .map((c) => {
        const range = inTail ? plan.tail! : { from: plan.start, to: plan.end };
        const s: SpawnPlan = { childKey: c.key, plannedAt: range.from + c.spawnAt!.fraction * (range.to - range.from), task: fill(rng, pools.sentences, rng.int(60, 300)), label: c.label ?? "task", agentId: c.agent, ...(rng.chance(0.4) ? { model: "anthropic/claude-haiku-4-5" } : {}) };
        spawns.set(c, s);
        return s;
      })
      .sort((a, b) => a.plannedAt - b.plannedAt);

  if (plan.kind === "legacy") {
    SessionGenerator.legacy({ rng, pools, w, model: plan.model, bigResults: [] }, plan.start, plan.end, Math.max(2, Math.round(plan.bytes / 1800)));
  } else {
    gen.start(plan.sessionId, plan.start, plan.agent === "main" ? "/home/ada/workspace" : `/srv/${plan.agent}`, plan.parent?.sessionId);
    if (plan.kind === "cron") w.customMessage(w.tick(plan.start + 5), "cron-trigger", `Scheduled job ${plan.key.split(":").pop()}`, { jobId: plan.key.split(":").pop() });
    if (plan.kind === "main" && rng.chance(0.5)) w.sessionInfo(w.tick(plan.start + 10), "Main");
    const history = childSpawns(false);
    gen.phase({ from: plan.start, to: plan.end, bytes: Math.max(1, plan.bytes - w.bytes) }, history);
    gen.flushSpawns(history);
    // a recent session's last turn is at its planned end (a byte-paced phase can stop short of it)
    if (plan.recent && !plan.tail && w.lastTs < plan.end) gen.phase({ from: plan.end, to: plan.end, turns: 1 });
    if (plan.tail) {
      script.pace = 0.25; // a busy last hour: turns a minute apart, so the model and tools are quick
      const tail = childSpawns(true);
      gen.phase(plan.tail, tail);
      gen.flushSpawns(tail);
    }
  }
  w.close();
  const lastLine = w.lastTs;
  utimesSync(path, lastLine / 1000, lastLine / 1000);

  // the registry entry; finished sub-agents add a session_end event at endedAt (a cron JOB key's status
  // is its latest run's: no event, EVENTS.md)
  const entry: Record<string, unknown> = { sessionId: plan.sessionId, updatedAt: lastLine, sessionFile: rng.chance(0.05) ? `/Users/ada/.openclaw/agents/${plan.agent}/sessions/${plan.sessionId}.jsonl` : `${plan.sessionId}.jsonl` };
  let lastEvent = lastLine;
  const ended = plan.kind === "cron" || (plan.kind === "subagent" && (!plan.recent || plan.start + 10 * 60_000 < now || rng.chance(0.5)));
  if (plan.kind === "subagent" || plan.kind === "cron") {
    entry.startedAt = plan.start;
    if (ended) {
      const endedAt = lastLine + rng.int(300, 3000);
      Object.assign(entry, { status: plan.kind === "cron" ? "done" : rng.pick(ENDED), endedAt, runtimeMs: endedAt - plan.start, updatedAt: endedAt });
      if (plan.kind === "subagent") {
        w.registryEvent(endedAt);
        lastEvent = endedAt;
      }
    } else entry.status = "running";
  } else if (plan.kind === "main") Object.assign(entry, { status: "running", startedAt: plan.start });
  if (plan.parent) Object.assign(entry, { spawnedBy: plan.parent.key, parentSessionKey: plan.parent.key, spawnDepth: plan.depth, subagentRole: "worker", label: plan.label });
  if (plan.channel) Object.assign(entry, { channel: plan.channel, chatType: plan.kind === "group" ? "group" : "direct", origin: { provider: plan.channel, from: plan.peer ?? plan.kind }, deliveryContext: { channel: plan.channel, to: plan.peer ?? plan.kind } });
  if (plan.kind === "dm" && rng.chance(0.5)) entry.displayName = `${plan.channel}:${plan.peer}`;
  const u = w.usage;
  Object.assign(entry, { model: plan.model.model, modelProvider: plan.model.provider, inputTokens: u.input, outputTokens: u.output, cacheRead: u.cacheRead, cacheWrite: u.cacheWrite, totalTokens: u.totalTokens, contextTokens: 200_000, estimatedCostUsd: Math.round(u.cost * 1e4) / 1e4, compactionCount: w.compactions });
  w.commit();
  const facts: SessionFacts = { key: plan.key, sessionId: plan.sessionId, path, bytes: w.bytes, lines: w.lines, events: w.events, recentLines: w.recentLines, recentEvents: w.recentEvents };
  return { plan, facts, lastEvent, lastLine, entry, compactions: w.compactions, largest: w.largestLine };
}

function generate(dir: string, options: StoreOptions): StoreManifest {
  const started = performance.now();
  const now = Date.now();
  const since = now - HOUR;
  rmSync(dir, { recursive: true, force: true });
  const plans = planStore(options, now);
  for (const agent of new Set(plans.map((p) => p.agent))) mkdirSync(sessionsDir(dir, agent), { recursive: true });
  const pools = buildPools(options.seed);
  const truth: Truth = { toolErrorsByTool: {}, toolResults: 0, recentEvents: 0, recentLines: 0 };
  const spawns = new Map<PlannedSession, SpawnPlan>();
  const written = writeOrder(plans).map((plan) => writeSession(dir, plan, pools, now, since, truth, spawns));

  const registries = new Map<string, Record<string, unknown>>();
  for (const w of [...written].sort((a, b) => a.plan.index - b.plan.index)) {
    const registry = registries.get(w.plan.agent) ?? {};
    registry[w.plan.key] = w.entry;
    registries.set(w.plan.agent, registry);
  }
  for (const [agent, registry] of registries) {
    const path = join(sessionsDir(dir, agent), "sessions.json");
    writeFileSync(path, `${JSON.stringify(registry, null, 2)}\n`, { mode: 0o600 });
    const latest = Math.max(...written.filter((w) => w.plan.agent === agent).map((w) => w.lastEvent));
    utimesSync(path, latest / 1000, latest / 1000);
  }

  const factsOf = (role: "big" | "medium") => written.find((w) => w.plan.role === role)!.facts;
  const small = written.find((w) => w.plan.kind === "dm" && !w.plan.recent && w.facts.bytes < 64 * 1024 && w.plan.agent === "main") ?? written[written.length - 1]!;
  const byAgent: Record<string, number> = {};
  for (const w of written) byAgent[w.plan.agent] = (byAgent[w.plan.agent] ?? 0) + 1;
  const toolErrorsByTool = Object.fromEntries(Object.entries(truth.toolErrorsByTool).sort(([a], [b]) => a.localeCompare(b)));
  const manifest: StoreManifest = {
    version: GENERATOR_VERSION,
    options,
    dir,
    now,
    since,
    totalBytes: written.reduce((sum, w) => sum + w.facts.bytes, 0),
    sessions: written.length,
    sessionsByAgent: byAgent,
    lines: written.reduce((sum, w) => sum + w.facts.lines, 0),
    events: written.reduce((sum, w) => sum + w.facts.events, 0),
    bigSession: factsOf("big"),
    mediumSession: factsOf("medium"),
    smallSession: small.facts,
    recentSessions: written.filter((w) => w.lastEvent >= since).length,
    recentLines: truth.recentLines,
    recentEvents: truth.recentEvents,
    toolResults: truth.toolResults,
    toolErrorsByTool,
    toolErrors: Object.values(toolErrorsByTool).reduce((a, b) => a + b, 0),
    spawnedSessions: written.filter((w) => w.plan.parent).length,
    compactions: written.reduce((sum, w) => sum + w.compactions, 0),
    largestLineBytes: Math.max(...written.map((w) => w.largest)),
    generationMs: Math.round(performance.now() - started),
  };
  writeFileSync(join(dir, MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
}

/** The manifest of a store generated earlier with the same options, when its files are still intact. */
function cached(dir: string, options: StoreOptions): StoreManifest | undefined {
  try {
    const manifest = JSON.parse(readFileSync(join(dir, MANIFEST), "utf8")) as StoreManifest;
    if (manifest.version !== GENERATOR_VERSION || JSON.stringify(manifest.options) !== JSON.stringify(options)) return undefined;
    for (const s of [manifest.bigSession, manifest.mediumSession, manifest.smallSession]) {
      if (!existsSync(s.path) || statSync(s.path).size !== s.bytes) return undefined;
    }
    return manifest;
  } catch {
    return undefined;
  }
}

/**
 * Generates the store in `dir` (replacing what is there), or reuses the one already there when it was
 * generated with the same options. Its "last hour" is the hour before the manifest's `now`.
 */
export function generateStore(dir: string, options: StoreOptions): StoreManifest & { reused: boolean } {
  const previous = cached(dir, options);
  if (previous) return { ...previous, reused: true };
  return { ...generate(dir, options), reused: false };
}
