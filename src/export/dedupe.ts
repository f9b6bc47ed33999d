import { createHash } from "node:crypto";
import type { Conversation } from "./conversation.js";

/**
 * Drops near-duplicate conversations by a hash of their normalized text: the user and assistant texts
 * (tool steps aside), lower-cased, with numbers, hex ids and uuids made one token, punctuation and
 * runs of space folded. Conversations that differ only in ids, counts, dates or formatting collide.
 * Memory: 16 bytes per conversation kept.
 */
export class Deduper {
  private readonly seen = new Set<string>();

  /** true the first time a conversation's normalized text is seen. */
  firstSeen(conversation: Conversation): boolean {
    const hash = createHash("sha256");
    for (const turn of conversation.turns) {
      for (const m of turn.messages) if (m.role !== "tool") hash.update(`${m.role}\u0000${normalize(m.text)}\u0001`);
    }
    const key = hash.digest("base64").slice(0, 22);
    if (this.seen.has(key)) return false;
    this.seen.add(key);
    return true;
  }
}

export function normalize(text: string): string {
  return text
    .toLowerCase()
    .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, " 0 ")
    .replace(/\b(?=[0-9a-f]*\d)[0-9a-f]{7,}\b/g, " 0 ")
    .replace(/\d+(?:[.,:]\d+)*/g, " 0 ")
    .replace(/[^\p{L}\p{N}]+/gu, " ")
    .trim();
}
