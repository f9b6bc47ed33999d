import type { SessionEvent } from "../../contract/event.js";
import type { Page } from "../../contract/page.js";
import { newReadStats } from "../../sources/session.js";
import { positionOf, type Ranked } from "../collect.js";
import { QueryError } from "../errors.js";
import { visibleWithId } from "../one-session.js";
import { markRedacted, redactorFor } from "../answer-redaction.js";
import { DEFAULT_SHAPE, jsonBytes, PageEventShaper } from "../page-events.js";
import { clearanceAllows } from "../principal.js";
import { withLongStringsRedacted } from "../redact-long.js";
import { classify } from "../visibility.js";
import { addWork, type Envelope, type QueryContext } from "./context.js";
import { cachedPayload, keepPayload, payloadCacheStats, stringChars } from "./payload-cache.js";

/** Room on a page for everything but the payload text (envelope, event fields, escaping slack). */
const PAGE_OVERHEAD_BYTES = 2048;

function noSuchEvent(id: string): QueryError {
  return new QueryError(`No event ${JSON.stringify(id)} visible to you. Use the \`id\` of an event from a page of this tool.`);
}

/**
 * One event by id, with its whole payload (redacted and without image data, but no text cut). If the
 * payload does not fit a page, it comes as its JSON text in parts: {json, offset, totalChars,
 * nextOffset}, to be fetched again with offset = nextOffset.
 */
export async function fetchEvent(
  ctx: QueryContext,
  id: string,
  offset: number,
  envelope: Envelope,
): Promise<Page> {
  const cut = id.lastIndexOf(":");
  const sessionId = id.slice(0, cut);
  const seq = Number(id.slice(cut + 1));
  if (cut <= 0 || !Number.isInteger(seq) || seq < 1) throw noSuchEvent(id);
  const stats = newReadStats();
  let found: Ranked | undefined;
  for (const session of await visibleWithId(ctx, sessionId)) {
    for await (const event of session.events({ stats, skipBefore: { seq: seq - 1 }, wholeLines: true })) {
      if (event.seq < seq) continue;
      if (event.seq === seq) {
        const visibility = classify(event, ctx.policy.rules);
        if (clearanceAllows(ctx.principal.clearance, visibility)) found = { position: positionOf(event), event, visibility };
      }
      break;
    }
    if (found) break;
  }
  addWork(ctx, stats);
  if (!found) throw noSuchEvent(id);

  const redactor = redactorFor(ctx);
  const clearance = ctx.principal.clearance;
  const policy = { stripInternal: clearance === "public", maxFieldChars: Number.MAX_SAFE_INTEGER };
  const source = found.event.payload;
  const page = (shown: SessionEvent): Page => ({
    events: [shown],
    nextCursor: "",
    hasMore: false,
    ...envelope,
    sessionsMatched: 1,
    stoppedBy: "end",
    hiddenByVisibility: 0,
    truncatedEvents: shown.truncated ? 1 : 0,
    redactedEvents: shown.redacted ? 1 : 0,
    skippedLines: 0,
  });

  // a huge payload is shaped once and then served from the cache, part after part (the first part is
  // always shaped anew: whether the payload fits one page whole must not depend on what was cached)
  let whole = offset > 0 ? cachedPayload(id, clearance, redactor, source) : undefined;
  if (!whole) {
    payloadCacheStats.shaped++;
    const shapeRedactor = redactor && (await withLongStringsRedacted(source, redactor, DEFAULT_SHAPE));
    const { event } = new PageEventShaper({ ...policy, redactor: shapeRedactor }).shaped(found);
    markRedacted(event.payload, redactor);
    const json = JSON.stringify(event.payload);
    const room = roomFor(event, ctx.policy.pageBytes, envelope);
    if (offset === 0 && json.length <= room && Buffer.byteLength(json) <= room) return page(event);
    whole = { json, redacted: event.redacted === true, truncated: event.truncated === true };
    keepPayload(id, clearance, redactor, source, whole, stringChars(source));
  }

  const header = new PageEventShaper({ ...policy, redactor }).shaped({ ...found, event: { ...found.event, payload: {} } }).event;
  const room = roomFor(header, ctx.policy.pageBytes, envelope);
  const text = whole.json;
  if (offset > text.length) throw new QueryError(`offset ${offset} is past the end of this payload (${text.length} characters).`);
  let take = Math.max(1, room);
  while (take > 1 && jsonBytes(text.slice(offset, offset + take)) > room) take = Math.floor(take * 0.7);
  const part = text.slice(offset, offset + take);
  const next = offset + part.length;
  envelope.notes.push(
    next < text.length
      ? `The payload is ${text.length} characters of JSON; this part is ${offset}..${next}. Call again with the same eventId and offset: ${next} for the rest.`
      : `The payload is ${text.length} characters of JSON; this is its last part.`,
  );
  const payload = { json: part, offset, totalChars: text.length, ...(next < text.length ? { nextOffset: next } : {}) };
  markRedacted(payload, redactor);
  return page({ ...header, payload, truncated: true, ...(whole.redacted ? { redacted: true } : {}) });
}

/** Room on a page for an event's payload. */
function roomFor(event: SessionEvent, pageBytes: number, envelope: Envelope): number {
  return pageBytes - PAGE_OVERHEAD_BYTES - jsonBytes({ ...event, payload: {} }) - jsonBytes(envelope);
}
