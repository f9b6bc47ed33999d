import type { SessionEvent } from "../contract/event.js";
import type { Page } from "../contract/page.js";
import type { SessionEventsInput, SessionsEventsInput } from "../contract/query-input.js";
import { querySessionEvents, querySessionsEvents, type QueryContext } from "../engine/run-query.js";
import type { Conversation } from "./conversation.js";
import { Deduper } from "./dedupe.js";
import { FORMATS, type ExportFormat } from "./formats/index.js";
import { judge, type QualityRules } from "./quality.js";
import { ArrayWriter, type Sink } from "./sink.js";
import { ConversationSplitter } from "./split.js";

/** The events a conversation is made of, and those that split one (unless --types says otherwise). */
export const EXPORT_TYPES = ["session_start", "message", "tool_call", "tool_result", "tool_error", "error", "compaction", "state_change"];
/** Export reads whole texts (up to the input limit) and big pages: it is not a model's tool result. */
const EXPORT_FIELD_CHARS = 100_000;
const EXPORT_PAGE_BYTES = 8 * 1024 * 1024;
const IMAGE_DATA = /data:[a-z]+\/[a-z0-9.+-]+;base64,[A-Za-z0-9+/=]{16,}/gi;

export type ExportQuery = { one: Omit<SessionEventsInput, "cursor" | "limit"> } | { many: Omit<SessionsEventsInput, "cursor" | "limit"> };

export type ExportOptions = {
  format: ExportFormat;
  system?: string;
  maxTurns: number;
  rules: QualityRules;
  out: Sink;
  /** One JSON line per conversation judged: where it came from, its score and signals, kept or why not. */
  stats?: Sink;
  progress?(done: { events: number; conversations: number }): void;
};

export type ExportSummary = {
  events: number;
  conversations: number;
  turns: number;
  /** Estimated: characters written / 4. */
  tokens: number;
  dropped: { lowScore: number; duplicate: number; noWholeTurn: number };
  failedTurns: number;
  orphanToolMessages: number;
  hiddenByVisibility: number;
  redactedEvents: number;
};

/** Pages through the same engine the tools use (the context's principal, clearance and redaction) and writes conversations. */
export async function runExport(ctx: QueryContext, query: ExportQuery, options: ExportOptions): Promise<ExportSummary> {
  const exportCtx: QueryContext = { ...ctx, policy: { ...ctx.policy, pageBytes: Math.max(ctx.policy.pageBytes, EXPORT_PAGE_BYTES) } };
  const summary: ExportSummary = {
    events: 0,
    conversations: 0,
    turns: 0,
    tokens: 0,
    dropped: { lowScore: 0, duplicate: 0, noWholeTurn: 0 },
    failedTurns: 0,
    orphanToolMessages: 0,
    hiddenByVisibility: 0,
    redactedEvents: 0,
  };
  const format = FORMATS[options.format];
  const array = format.layout === "array" ? new ArrayWriter(options.out) : undefined;
  const splitter = new ConversationSplitter(options.maxTurns);
  const deduper = new Deduper();

  const emit = async (conversation: Conversation) => {
    summary.failedTurns += conversation.failedTurns;
    summary.orphanToolMessages += conversation.orphans;
    const { score, signals } = conversation.turns.length > 0 ? judge(conversation, options.rules) : { score: 0, signals: [] };
    let dropped: string | undefined;
    if (conversation.turns.length === 0) dropped = "no_whole_turn";
    else if (score < options.rules.minScore) dropped = "low_score";
    else if (!deduper.firstSeen(conversation)) dropped = "duplicate";
    if (dropped === "no_whole_turn") summary.dropped.noWholeTurn++;
    else if (dropped === "low_score") summary.dropped.lowScore++;
    else if (dropped === "duplicate") summary.dropped.duplicate++;
    if (options.stats && (conversation.turns.length > 0 || conversation.failedTurns > 0)) {
      const { session, sessionId, firstSeq, lastSeq } = conversation;
      const stat = { session, sessionId, firstSeq, lastSeq, turns: conversation.turns.length, failedTurns: conversation.failedTurns, score, signals, kept: !dropped, ...(dropped ? { dropped } : {}) };
      await options.stats.write(`${JSON.stringify(stat)}\n`);
    }
    if (dropped) return;
    const json = JSON.stringify(format.record(conversation, options.system)).replace(IMAGE_DATA, "[image data left out]");
    if (array) await array.add(json);
    else await options.out.write(`${json}\n`);
    summary.conversations++;
    summary.turns += conversation.turns.length;
    summary.tokens += Math.ceil(json.length / 4);
  };

  let cursor: string | undefined;
  for (;;) {
    const page: Page =
      "one" in query
        ? await querySessionEvents(exportCtx, { ...withTypes(query.one), maxFieldChars: EXPORT_FIELD_CHARS, limit: 500, ...(cursor ? { cursor } : {}) })
        : await querySessionsEvents(exportCtx, { ...withTypes(query.many), maxFieldChars: EXPORT_FIELD_CHARS, limit: 500, ...(cursor ? { cursor } : {}) });
    summary.hiddenByVisibility += page.hiddenByVisibility ?? 0;
    for (const event of page.events) {
      summary.events++;
      if (event.redacted) summary.redactedEvents++;
      for (const conversation of splitter.push(event as SessionEvent)) await emit(conversation);
    }
    const last = page.events[page.events.length - 1];
    if (last) for (const conversation of splitter.closeIdle(last.timestamp)) await emit(conversation);
    options.progress?.({ events: summary.events, conversations: summary.conversations });
    if (!page.hasMore) break;
    cursor = page.nextCursor;
  }
  for (const conversation of splitter.finish()) await emit(conversation);
  options.progress?.({ events: summary.events, conversations: summary.conversations });
  await array?.close();
  return summary;
}

function withTypes<T extends { types?: string[]; order?: string }>(input: T): T {
  return { ...input, order: "asc", types: input.types && input.types.length > 0 ? input.types : EXPORT_TYPES };
}
