import { randomUUID } from "node:crypto";
import type { AppContext } from "../app/context.js";
import { QueryError } from "../engine/errors.js";
import { sessionsOfOne } from "../engine/one-session.js";
import { newReadStats } from "../sources/session.js";
import { LineProcessor } from "../sources/transcript/transcript-events.js";
import { withoutTurns } from "../sources/transcript/turns.js";
import { checkedOutPath, writeNewFile } from "./out-path.js";

export type ForkRequest = { session: string; atSeq: number; out: string; force: boolean };
export type ForkResult = { sessionId: string; parentSession: string; lines: number; out: string };

type Line = { text: string; id?: string; parentId?: string | null; type?: string };

/**
 * Writes a new pi v3 transcript that resumes `session` as it was at event `atSeq`: a new header (new
 * session id, `parentSession` naming the original, the fork time), then the original's lines on the
 * active branch up to the line holding that event, verbatim. Only an operator may fork (the lines are
 * copied whole, credentials included), and never into a store.
 */
export async function forkSession(ctx: AppContext, request: ForkRequest, now = Date.now()): Promise<ForkResult> {
  if (ctx.principal.caller !== undefined) throw new QueryError("fork copies transcript lines verbatim: it needs an operator (run it without --caller / SESSION_EVENTS_CALLER).");
  if (!Number.isInteger(request.atSeq) || request.atSeq < 1) throw new QueryError(`--at-seq must be a whole number of at least 1, not "${request.atSeq}".`);
  const out = checkedOutPath(request.out, request.force, ctx.store.roots ?? []);
  const session = (await sessionsOfOne(ctx, request.session))[0];
  if (!session) throw new QueryError(`no session "${request.session}".`);
  if (!session.rawLines) throw new QueryError(`${session.key} is a ${session.source} session, which has no pi transcript lines to fork.`);

  const processor = new LineProcessor({ agent: session.agent, session: session.key, sessionId: session.sessionId, source: session.source }, { stats: newReadStats() });
  const lines: Line[] = [];
  let holder: number | undefined;
  let lastSeq = 0;
  for (const raw of withoutTurns(session.rawLines())) {
    const events = processor.line(raw);
    if (events.length > 0) lastSeq = events[events.length - 1]!.seq;
    lines.push(describe(raw.text));
    if (events.some((e) => e.seq === request.atSeq)) {
      holder = lines.length - 1;
      break;
    }
  }
  if (holder === undefined) throw new QueryError(`${session.key} has no transcript line holding event ${request.atSeq} (its lines give events 1..${lastSeq}).`);

  const headerLine = lines.find((l) => l.type === "session");
  const header = headerLine ? (JSON.parse(headerLine.text) as Record<string, unknown>) : {};
  const parentSession = session.location;
  const sessionId = randomUUID();
  const newHeader = { ...header, type: "session", version: 3, id: sessionId, timestamp: new Date(now).toISOString(), ...(header.cwd === undefined ? { cwd: process.cwd() } : {}), parentSession };
  const kept = activeBranch(lines, holder).map((i) => lines[i]!.text);
  writeNewFile(out, `${[JSON.stringify(newHeader), ...kept].join("\n")}\n`, request.force);
  return { sessionId, parentSession, lines: kept.length + 1, out };
}

function describe(text: string): Line {
  try {
    const value = JSON.parse(text) as Record<string, unknown>;
    return {
      text,
      type: typeof value.type === "string" ? value.type : undefined,
      id: typeof value.id === "string" && value.type !== "session" ? value.id : undefined,
      parentId: typeof value.parentId === "string" || value.parentId === null ? (value.parentId as string | null) : undefined,
    };
  } catch {
    return { text };
  }
}

/**
 * The indexes, in file order, of the lines on the parent chain (id/parentId) from `holder` back to the
 * root; the header is written anew. A transcript without entry ids (pi v1) has no tree: every line
 * before the holder is on its one branch.
 */
function activeBranch(lines: Line[], holder: number): number[] {
  const target = lines[holder]!;
  if (target.type === "session") return [];
  if (target.id === undefined) return lines.flatMap((l, i) => (i <= holder && l.type !== "session" ? [i] : []));
  const indexOf = new Map<string, number>();
  lines.forEach((l, i) => {
    if (l.id !== undefined) indexOf.set(l.id, i);
  });
  const chain: number[] = [];
  const seen = new Set<number>();
  for (let i: number | undefined = holder; i !== undefined && !seen.has(i); ) {
    seen.add(i);
    chain.push(i);
    const parent: string | null | undefined = lines[i]!.parentId;
    i = parent ? indexOf.get(parent) : undefined;
  }
  return chain.sort((a, b) => a - b);
}
