import { createHmac, timingSafeEqual } from "node:crypto";

/** Hex characters of a MAC, and the line prefix they make with the space after them. */
const MAC_CHARS = 64;
const PREFIX_CHARS = MAC_CHARS + 1;

/**
 * Authenticates what the cache dir holds: every cache file (or line of one) carries an HMAC-SHA256 of
 * its content under a key derived from the server's secret key, and what does not verify is ignored
 * (then rebuilt). Whoever could write the cache dir without the key can plant nothing we use.
 */
export class CacheMac {
  private readonly key: Buffer;

  constructor(secret: string) {
    this.key = createHmac("sha256", secret).update("session-events cache files v1").digest();
  }

  /** The MAC of `parts` (each one ended, so that no two splits of the same bytes give the same MAC), in `context`. */
  digest(context: string, ...parts: string[]): string {
    const mac = createHmac("sha256", this.key).update(context).update("\0");
    for (const part of parts) mac.update(String(part.length)).update(":").update(part);
    return mac.digest("hex");
  }

  /** The MAC of `parts` followed by `rest`, whose pieces are hashed as they come (never joined): the last part, so unambiguous. */
  digestWithRest(context: string, parts: string[], rest: Iterable<string | Uint8Array>): string {
    const mac = createHmac("sha256", this.key).update(context).update("\0");
    for (const part of parts) mac.update(String(part.length)).update(":").update(part);
    for (const piece of rest) mac.update(piece);
    return mac.digest("hex");
  }

  /** `text` as a sealed line: its MAC, a space, the text. */
  seal(context: string, text: string): string {
    return `${this.digest(context, text)} ${text}`;
  }

  /** The text of a sealed line, or undefined when its MAC does not verify. */
  open(context: string, line: string): string | undefined {
    const text = line.slice(PREFIX_CHARS);
    return line.charAt(MAC_CHARS) === " " && this.verify(line.slice(0, MAC_CHARS), context, text) ? text : undefined;
  }

  /** Whether `mac` is the MAC of `parts` in `context`. */
  verify(mac: string, context: string, ...parts: string[]): boolean {
    return sameMac(mac, this.digest(context, ...parts));
  }

  /** Whether `mac` is the MAC of `parts` followed by `rest` (see digestWithRest; bytes are hashed as the UTF-8 of the text they hold). */
  verifyWithRest(mac: string, context: string, parts: string[], rest: string | Uint8Array): boolean {
    return sameMac(mac, this.digestWithRest(context, parts, [rest]));
  }
}

/** The text of a sealed line without checking its MAC (for what only decides which of our own files to delete). */
export function unsealedText(line: string): string {
  return line.slice(PREFIX_CHARS);
}

function sameMac(given: string, expected: string): boolean {
  const a = Buffer.from(given, "hex");
  const b = Buffer.from(expected, "hex");
  return a.length === b.length && a.length > 0 && timingSafeEqual(a, b);
}
