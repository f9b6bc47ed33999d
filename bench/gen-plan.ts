/**
 * The store generator's plan: which sessions exist (agents, kinds, keys), how big each transcript is,
 * when each is active, and which session spawns which. Content is written later (generate-store.ts).
 */
import { Rng, mixSeed } from "./gen-random.js";
import { MODELS, type ModelRef } from "./gen-session.js";

export type StoreOptions = {
  /** Total transcript bytes to reach (at least). */
  totalBytes: number;
  sessions: number;
  bigBytes: number;
  mediumBytes: number;
  seed: number;
  /** Sessions besides the big and medium ones whose activity reaches into the last hour. */
  recentSessions?: number;
  /** How far back history goes. */
  days?: number;
};

export type Kind = "main" | "dm" | "group" | "cron" | "subagent" | "legacy";

export type PlannedSession = {
  index: number;
  agent: string;
  key: string;
  sessionId: string;
  kind: Kind;
  role?: "big" | "medium";
  bytes: number;
  /** Planned start and end of activity (a sub-agent's are set when its parent spawns it). */
  start: number;
  end: number;
  /** Big and medium sessions: a second phase of `tailTurns` turns inside the last hour. */
  tail?: { from: number; to: number; turns: number };
  recent: boolean;
  parent?: PlannedSession;
  /** Where in the parent's life this one is spawned: 0..1 of its history, or in its tail. */
  spawnAt?: { fraction: number; inTail: boolean };
  children: PlannedSession[];
  depth: number;
  model: ModelRef;
  bigResults: number[];
  channel?: string;
  peer?: string;
  label?: string;
};

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
export const MiB = 1024 * 1024;
export const TAIL_TURNS = 50;

function spanFor(rng: Rng, kind: Kind): number {
  switch (kind) {
    case "main":
      return rng.int(20, 80) * DAY;
    case "dm":
    case "group":
      return rng.logNormal(6 * HOUR, 1.5);
    case "cron":
      return rng.int(30, 240) * 1000;
    case "subagent":
      return rng.int(1, 20) * MIN;
    case "legacy":
      return rng.logNormal(2 * HOUR, 1);
  }
}

/** Plans every session. `now` is the generator's clock; "recent" means activity at or after now - 1h. */
export function planStore(options: StoreOptions, now: number): PlannedSession[] {
  const rng = new Rng(mixSeed(options.seed, 0x91a2));
  const days = options.days ?? 90;
  const historyStart = now - days * DAY;
  const quietEnd = now - HOUR - 30 * MIN; // sessions not meant to be recent end before this
  const n = Math.max(options.sessions, 10);
  const recentWanted = options.recentSessions ?? Math.min(30, Math.max(5, Math.round(n / 100)));
  const sessions: PlannedSession[] = [];
  const peers = new Set<string>();
  const uniquePeer = () => {
    let peer = String(rng.int(10_000_000, 999_999_999));
    while (peers.has(peer)) peer = String(rng.int(10_000_000, 999_999_999));
    peers.add(peer);
    return peer;
  };

  const make = (agent: string, kind: Kind, key: string, extra: Partial<PlannedSession> = {}): PlannedSession => {
    const s: PlannedSession = {
      index: sessions.length,
      agent,
      key,
      sessionId: rng.uuid(),
      kind,
      bytes: 0,
      start: 0,
      end: 0,
      recent: false,
      children: [],
      depth: 0,
      model: kind === "subagent" ? rng.pick([MODELS[2]!, MODELS[0]!]) : rng.weighted(MODELS.map((m, i) => [m, [50, 10, 10, 20, 10][i]!] as const)),
      bigResults: [],
      ...extra,
    };
    sessions.push(s);
    return s;
  };

  // the two sessions the tail queries read, both of agent main
  const big = make("main", "main", "agent:main:main", { role: "big", model: MODELS[0]!, channel: "telegram" });
  const mediumPeer = uniquePeer();
  const medium = make("main", "dm", `agent:main:telegram:dm:${mediumPeer}`, { role: "medium", model: MODELS[0]!, channel: "telegram", peer: mediumPeer });
  make("work", "main", "agent:work:main", { channel: "slack" });
  make("ops", "main", "agent:ops:main", { channel: "discord" });

  while (sessions.length < n) {
    const agent = rng.weighted([["main", 85], ["work", 10], ["ops", 5]] as const);
    const kind = rng.weighted([["subagent", 30], ["dm", 25], ["group", 10], ["cron", 20], ["main", 0], ["legacy", agent === "main" ? 2 : 0]] as const);
    const channel = rng.pick(["telegram", "whatsapp", "discord", "slack", "signal"]);
    if (kind === "dm" || kind === "legacy") {
      const peer = uniquePeer();
      make(agent, kind, `agent:${agent}:${channel}:dm:${peer}`, { channel, peer });
    } else if (kind === "group") make(agent, kind, `agent:${agent}:${channel}:group:${rng.hex(10)}`, { channel });
    else if (kind === "cron") make(agent, kind, `agent:${agent}:cron:${rng.pick(["daily-digest", "inbox-triage", "backup-check", "price-watch", "standup"])}-${rng.hex(6)}`);
    else make(agent, kind, `agent:${agent}:subagent:${rng.uuid()}`, { label: `task-${rng.hex(4)}` });
  }

  // sizes: log-normal weights scaled to what is left after the big and medium sessions
  big.bytes = options.bigBytes;
  medium.bytes = options.mediumBytes;
  const others = sessions.slice(2);
  let rest = Math.max(others.length * 4096, options.totalBytes - options.bigBytes - options.mediumBytes);
  // a few multi-MB tool results: two in the big session, one in the medium, four elsewhere
  big.bigResults = [rng.int(4, 8) * MiB, rng.int(2, 5) * MiB];
  medium.bigResults = [Math.min(2 * MiB, Math.round(options.mediumBytes / 4))];
  const elsewhere = Math.min(4 * 5 * MiB, rest * 0.1) / 4;
  for (let i = 0; i < 4; i++) {
    const s = others[rng.int(0, Math.min(others.length, 200) - 1)]!;
    if (s.kind === "legacy" || s.kind === "subagent") continue;
    const size = Math.round(elsewhere * (0.5 + rng.next()));
    s.bigResults.push(size);
    s.bytes += size;
    rest -= size;
  }
  const factor: Record<Kind, number> = { main: 20, dm: 1.5, group: 1, cron: 0.25, subagent: 0.6, legacy: 0.3 };
  const weights = others.map((s) => factor[s.kind] * rng.logNormal(1, 1.2));
  const total = weights.reduce((a, b) => a + b, 0);
  others.forEach((s, i) => (s.bytes += Math.max(2048, Math.round((rest * weights[i]!) / total))));

  // times: big and medium run up to the last hour, then have a busy last hour
  const tail = (): PlannedSession["tail"] => ({ from: now - HOUR + 2 * MIN, to: now - 4 * MIN, turns: TAIL_TURNS });
  big.start = historyStart;
  big.end = quietEnd;
  big.tail = tail();
  big.recent = true;
  medium.start = now - Math.min(30, days) * DAY;
  medium.end = quietEnd;
  medium.tail = tail();
  medium.recent = true;

  const roots = others.filter((s) => s.kind !== "subagent");
  const recentPool = roots.filter((s) => s.kind !== "legacy");
  for (let i = 0; i < recentWanted && recentPool.length > 0; i++) {
    recentPool.splice(rng.int(0, recentPool.length - 1), 1)[0]!.recent = true;
  }
  for (const s of roots) {
    const span = Math.min(spanFor(rng, s.kind), days * DAY * 0.9);
    if (s.recent) s.end = now - rng.int(15, 55) * MIN;
    else if (s.kind === "legacy") s.end = historyStart + rng.next() * (days * DAY * 0.3) + span;
    else s.end = historyStart + span + rng.next() * (quietEnd - historyStart - span);
    s.start = s.end - span;
  }

  // parents: the big session spawns many, some children spawn grandchildren
  const subagents = others.filter((s) => s.kind === "subagent");
  const byAgent = (agent: string) => [big, medium, ...roots].filter((r) => r.agent === agent && r.kind !== "legacy");
  const tailSpawns = new Map<PlannedSession, number>();
  for (const child of subagents) {
    let parent: PlannedSession;
    const earlier = subagents.filter((c) => c.parent && c.index < child.index && c.agent === child.agent && c.depth === 1);
    if (earlier.length > 0 && rng.chance(0.1)) parent = rng.pick(earlier);
    else if (child.agent === "main" && rng.chance(0.15)) parent = rng.chance(0.8) ? big : medium;
    else parent = rng.pick(byAgent(child.agent));
    const quota = parent === big ? 4 : parent === medium ? 1 : 0;
    const inTail = (tailSpawns.get(parent) ?? 0) < quota && rng.chance(0.3);
    if (inTail) tailSpawns.set(parent, (tailSpawns.get(parent) ?? 0) + 1);
    child.parent = parent;
    child.depth = parent.depth + 1;
    child.spawnAt = { fraction: rng.next(), inTail };
    child.recent = inTail;
    parent.children.push(child);
  }
  return sessions;
}

/** Orders sessions so that every parent is written before its children. */
export function writeOrder(sessions: PlannedSession[]): PlannedSession[] {
  return [...sessions].sort((a, b) => a.depth - b.depth || a.index - b.index);
}

export function childSpan(rng: Rng): number {
  return spanFor(rng, "subagent");
}
