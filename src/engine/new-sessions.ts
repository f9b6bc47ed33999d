import type { SessionInfo } from "../sources/session.js";
import type { Position } from "./cursor.js";
import type { Selection } from "./selection.js";

/** How often a page looks at the store again for sessions added while it read, before it ends early instead. */
const MAX_LOOKS = 1;
/**
 * A session added after a look has no events much before the look's time: they are stamped, then
 * written (a page that ends early for sessions it could not read ends this long before the look).
 */
export const NEW_SESSION_SLACK_MS = 250;

const idOf = (s: SessionInfo) => `${s.key}\n${s.sessionId}`;

/**
 * The sessions an ascending page must still read because the store gained them while it read: those
 * a fresh look lists that the page's selection had not, and those whose transcript was missing when
 * reached and has been written since. When the store still changes after another look (or the page ran
 * out of scan budget meanwhile), `frontier` is where the page must end instead.
 */
export function newSessions(selection: Selection | undefined, sessions: readonly SessionInfo[]) {
  let current = selection;
  let looks = 0;
  let exhausted = false;
  let missing: SessionInfo[] = [];
  // (built only when the store changed: most pages never need it, and a selection can be large)
  let known: Set<string> | undefined;
  return {
    /** A session passed over because its transcript was missing. */
    missing(session: SessionInfo): void {
      missing.push(session);
    },

    /** The sessions to read now; none when the store has gained none since the last look. */
    async next(): Promise<SessionInfo[]> {
      while (current) {
        const appeared = missing.filter((s) => s.missingTranscript?.() === undefined);
        if (appeared.length > 0) {
          missing = missing.filter((s) => !appeared.includes(s));
          return appeared;
        }
        if (!current.changed()) return [];
        if (looks === MAX_LOOKS) {
          exhausted = true;
          return [];
        }
        looks++;
        current = await current.again();
        known ??= new Set(sessions.map(idOf));
        const fresh = current.sessions.filter((s) => !known!.has(idOf(s)));
        for (const s of fresh) known.add(idOf(s));
        if (fresh.length > 0) return fresh;
      }
      return [];
    },

    /** Where the page must end for sessions it could not read (undefined: none such). */
    frontier(outOfBudget: boolean): Position | undefined {
      if (!current || !(exhausted || (outOfBudget && current.changed()))) return undefined;
      return { ts: current.takenAt - NEW_SESSION_SLACK_MS, key: "", sid: "", seq: -1 };
    },
  };
}
