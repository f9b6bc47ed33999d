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

const storeNotesOf = new ListMemo<string[]>();

/** The selected sessions' store notes (SessionInfo.storeNote: a stream trimmed by its retention), a few by name. */
export function storeNotes(sessions: readonly SessionInfo[]): string[] {
  return storeNotesOf.get(sessions, "", () => {
    const notes: string[] = [];
    let more = 0;
    for (const session of sessions) {
      if (session.storeNote === undefined) continue;
      if (notes.length < MAX_NAMED) notes.push(`${session.key}: ${session.storeNote}`);
      else more++;
    }
    if (more > 0) notes.push(`${more} more selected session(s) lost old events to their store's retention too.`);
    return notes;
  });
}
