import { createCipheriv, createDecipheriv, createHash, createHmac, createSecretKey, hash, randomBytes, type KeyObject } from "node:crypto";
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

const PositionTuple = z.tuple([z.number(), z.string(), z.string(), z.number()]);

const SealedSchema = z
  .object({
    v: z.literal(2),
    b: z.unknown(),
    s: z.number().optional(),
    u: z.number().optional(),
    a: PositionTuple.optional(),
    h: z.array(z.tuple([z.string(), z.number(), z.number()])).optional(),
  })
  .strict();

/**
 * A session an ascending walk holds back on its own (a line of it still being written, or it grew
 * while a page was read): the walk's cursor has moved past other sessions' events, this session's
 * cursor stays here until its events come. `tag` names the session (a short hash of key and id, so a
 * cursor stays short), `ts` and `seq` are the session's own position.
 */
export type HeldEntry = { tag: string; ts: number; seq: number };

/**
 * What a cursor carries: the query's pinned time window, where the last page ended, and the sessions
 * held back on their own before that (ascending pages: a line of theirs was still being written).
 */
export type CursorState = { since?: number; until?: number; after?: Position; held?: HeldEntry[] };

/** The sentence every refused cursor ends with (a surface may say it in its own words). */
export const RESTART =
  "Call again without cursor to start over (a cursor only works with the same tool, arguments and caller that produced it).";

/**
 * Opaque cursors: the state as JSON, sealed with AES-256-GCM under the server's key, so a caller can
 * neither read nor alter it (it would tell when a hidden event happened). A cursor carries what it is
 * bound to (any JSON value: the engine puts the query itself and a hash of the principal there), so
 * it cannot be replayed elsewhere, and a cursor alone says which walk it continues.
 */
export class CursorCodec {
  /** The key, made once for the cipher and the nonce's HMAC (given as bytes, each made it anew on every page's cursor). */
  private readonly key: KeyObject;
  /** The cursors issued last, with what they carry: the next page of a walk is asked for with one of them. */
  private readonly issued = new Map<string, { binding: string; state: CursorState }>();

  constructor(secret?: string | Buffer) {
    this.key = createSecretKey(secret === undefined ? randomBytes(32) : createHash("sha256").update(secret).digest());
  }

  encode(binding: unknown, state: CursorState): string {
    const json = plaintext(binding, state);
    // the nonce is derived from the content (as in SIV): the same position gives the same cursor, and a
    // nonce repeats only with the very same plaintext, which GCM allows
    const iv = createHmac("sha256", this.key).update(json).digest().subarray(0, IV_BYTES);
    const cipher = createCipheriv("aes-256-gcm", this.key, iv);
    const body = Buffer.concat([cipher.update(json, "utf8"), cipher.final()]);
    const cursor = `${PREFIX}${Buffer.concat([iv, body, cipher.getAuthTag()]).toString("base64url")}`;
    this.issued.delete(cursor);
    this.issued.set(cursor, { binding: JSON.stringify(binding), state: copyOf(state) });
    if (this.issued.size > ISSUED_KEPT) this.issued.delete(this.issued.keys().next().value!);
    return cursor;
  }

  /** The length of the cursor `encode` gives for this state, without sealing one (to size a page). */
  encodedLength(binding: unknown, state: CursorState): number {
    const sealed = IV_BYTES + Buffer.byteLength(plaintext(binding, state)) + TAG_BYTES;
    return PREFIX.length + Math.ceil((sealed * 4) / 3);
  }

  /** What an authentic cursor is bound to, and its state; it says nothing of whether it fits a call. */
  open(cursor: string): { binding: unknown; state: CursorState } {
    // one this codec just issued is known to be authentic: no need to open it again
    const known = this.issued.get(cursor);
    if (known) return { binding: JSON.parse(known.binding), state: copyOf(known.state) };
    const sealed = cursor.startsWith(PREFIX) ? Buffer.from(cursor.slice(PREFIX.length), "base64url") : undefined;
    if (!sealed || sealed.length < IV_BYTES + TAG_BYTES + 2 || sealed.toString("base64url") !== cursor.slice(PREFIX.length)) {
      throw new QueryError(`cursor is not one this server issued. ${RESTART}`);
    }
    let parsed: z.infer<typeof SealedSchema>;
    try {
      const decipher = createDecipheriv("aes-256-gcm", this.key, sealed.subarray(0, IV_BYTES));
      decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
      const json = Buffer.concat([decipher.update(sealed.subarray(IV_BYTES, sealed.length - TAG_BYTES)), decipher.final()]).toString("utf8");
      parsed = SealedSchema.parse(JSON.parse(json));
    } catch {
      throw new QueryError(`cursor is invalid or expired (it was altered, or issued with another key). ${RESTART}`);
    }
    const after = parsed.a && { ts: parsed.a[0], key: parsed.a[1], sid: parsed.a[2], seq: parsed.a[3] };
    const held = parsed.h?.map(([tag, ts, seq]) => ({ tag, ts, seq }));
    return { binding: parsed.b, state: { since: parsed.s, until: parsed.u, after, held } };
  }

  /** The state of a cursor that must be bound to exactly `binding`. */
  decode(binding: unknown, cursor: string): CursorState {
    // (one this codec just issued is not opened again: its binding is compared as the JSON it was issued with)
    const known = this.issued.get(cursor);
    const { bindingJson, state } = known ? { bindingJson: known.binding, state: copyOf(known.state) } : this.openedAsJson(cursor);
    if (bindingJson !== JSON.stringify(binding)) throw new QueryError(`cursor belongs to a different query or caller. ${RESTART}`);
    return state;
  }

  private openedAsJson(cursor: string): { bindingJson: string; state: CursorState } {
    const { binding, state } = this.open(cursor);
    return { bindingJson: JSON.stringify(binding), state };
  }
}

const PREFIX = "c1.";
const IV_BYTES = 12;
const TAG_BYTES = 16;
const ISSUED_KEPT = 64;

/** Short keys and positions as tuples: MCP clients echo cursors back, so every byte counts. */
function plaintext(binding: unknown, { since, until, after, held }: CursorState): string {
  const h = held?.length ? held.map((e) => [e.tag, e.ts, e.seq]) : undefined;
  return JSON.stringify({ v: 2, b: binding, s: since, u: until, a: after && [after.ts, after.key, after.sid, after.seq], h });
}

/** The state as decoding the cursor gives it back (a fresh object each time). */
function copyOf({ since, until, after, held }: CursorState): CursorState {
  return {
    since,
    until,
    after: after && { ts: after.ts, key: after.key, sid: after.sid, seq: after.seq },
    held: held?.length ? held.map((e) => ({ ...e })) : undefined,
  };
}

/** A short stable hash of anything JSON-serializable (for binding cursors to a query). */
export function fingerprintOf(value: unknown): string {
  // (one call, no hash object: a page takes three of these)
  return hash("sha256", JSON.stringify(value), "base64url").slice(0, 22);
}
