import { createHash, createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { z } from "zod";
import { QueryError } from "./errors.js";

/** The sort position of an event: by time, then session key, then session id, then seq. */
export type Position = { ts: number; key: string; sid: string; seq: number };

export function comparePositions(a: Position, b: Position): number {
  if (a.ts !== b.ts) return a.ts < b.ts ? -1 : 1;
  if (a.key !== b.key) return a.key < b.key ? -1 : 1;
  if (a.sid !== b.sid) return a.sid < b.sid ? -1 : 1;
  return a.seq - b.seq;
}

const CursorStateSchema = z
  .object({
    v: z.literal(1),
    f: z.string(),
    since: z.number().optional(),
    until: z.number().optional(),
    after: z.object({ ts: z.number(), key: z.string(), sid: z.string(), seq: z.number() }).strict().optional(),
  })
  .strict();

/** What a cursor carries: the query's pinned time window and where the last page ended. */
export type CursorState = { since?: number; until?: number; after?: Position };

const RESTART =
  "Call again without cursor to start over (a cursor only works with the same tool, arguments and caller that produced it).";

/**
 * Opaque, authenticated cursors: base64url JSON plus an HMAC-SHA256 over it with the server's key.
 * A cursor is bound to a fingerprint of the query and principal, so it cannot be replayed elsewhere.
 */
export class CursorCodec {
  private readonly key: Buffer;

  constructor(secret?: string | Buffer) {
    this.key = secret === undefined ? randomBytes(32) : createHash("sha256").update(secret).digest();
  }

  encode(fingerprint: string, state: CursorState): string {
    const body = Buffer.from(JSON.stringify({ v: 1, f: fingerprint, ...state })).toString("base64url");
    return `${body}.${this.sign(body)}`;
  }

  decode(fingerprint: string, cursor: string): CursorState {
    const [body, signature, ...rest] = cursor.split(".");
    if (!body || !signature || rest.length > 0) throw new QueryError(`cursor is not one this server issued. ${RESTART}`);
    const expected = Buffer.from(this.sign(body));
    const given = Buffer.from(signature);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) {
      throw new QueryError(`cursor is invalid or expired (it was altered, or issued with another key). ${RESTART}`);
    }
    let parsed: z.infer<typeof CursorStateSchema>;
    try {
      parsed = CursorStateSchema.parse(JSON.parse(Buffer.from(body, "base64url").toString("utf8")));
    } catch {
      throw new QueryError(`cursor is not one this server issued. ${RESTART}`);
    }
    if (parsed.f !== fingerprint) throw new QueryError(`cursor belongs to a different query or caller. ${RESTART}`);
    return { since: parsed.since, until: parsed.until, after: parsed.after };
  }

  private sign(body: string): string {
    return createHmac("sha256", this.key).update(body).digest("base64url");
  }
}

/** A short stable hash of anything JSON-serializable (for binding cursors to a query). */
export function fingerprintOf(value: unknown): string {
  return createHash("sha256").update(JSON.stringify(value)).digest("base64url").slice(0, 22);
}
