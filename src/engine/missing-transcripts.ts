import type { SessionInfo } from "../sources/session.js";
import { ListMemo } from "./list-memo.js";

/** How many sessions a note names one by one; the rest are counted. */
const MAX_NAMED = 5;

const notesOf = new ListMemo<string[]>();

/**
 * Notes for the selected sessions whose registry entry names a transcript that does not exist (they
 * answer with no events; that is not an error). Each session is checked at most once per listing, and
 * the notes are made once per selection (a walk's pages share both).
 */
export function missingTranscriptNotes(sessions: readonly SessionInfo[]): string[] {
  return notesOf.get(sessions, "", () => {
    const notes: string[] = [];
    let more = 0;
    for (const session of sessions) {
      const name = session.missingTranscript?.();
      if (name === undefined) continue;
      if (notes.length < MAX_NAMED) notes.push(`${session.key}: transcript ${name} is missing; this session has no events.`);
      else more++;
    }
    if (more > 0) notes.push(`${more} more selected session(s) have no transcript either, and no events.`);
    return notes;
  });
}
