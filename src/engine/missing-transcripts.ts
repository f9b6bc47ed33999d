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
  return notesOf.get(sessions, "", () =>
    namedNotes(
      sessions,
      (session) => {
        const name = session.missingTranscript?.();
        return name === undefined ? undefined : `transcript ${name} is missing; this session has no events.`;
      },
      "have no transcript either, and no events.",
    ),
  );
}

const storeNotesOf = new ListMemo<string[]>();

/** The selected sessions' store notes (SessionInfo.storeNote: a stream trimmed by its retention), a few by name. */
export function storeNotes(sessions: readonly SessionInfo[]): string[] {
  return storeNotesOf.get(sessions, "", () => namedNotes(sessions, (session) => session.storeNote, "lost old events to their store's retention too."));
}

/** A note per session that has one, the first MAX_NAMED by key, the rest counted in one more note. */
function namedNotes(sessions: readonly SessionInfo[], noteOf: (session: SessionInfo) => string | undefined, restSay: string): string[] {
  const notes: string[] = [];
  let more = 0;
  for (const session of sessions) {
    const note = noteOf(session);
    if (note === undefined) continue;
    if (notes.length < MAX_NAMED) notes.push(`${session.key}: ${note}`);
    else more++;
  }
  if (more > 0) notes.push(`${more} more selected session(s) ${restSay}`);
  return notes;
}
