import type { ContentState, TranscriptRead, TranscriptStamp } from "../session.js";

type Mark = TranscriptStamp & { print: string };

/**
 * A transcript's ContentState (see session.ts), told as its own index tells growth from a rewrite: the
 * same holder whose end moved and whose content up to the noted end has the same fingerprint grew;
 * anything else (another file in its place, an edit that kept the size) was rewritten.
 */
export function transcriptContentState(sessionKey: string, read: TranscriptRead): ContentState {
  return {
    id: `${sessionKey}\n${read.id}`,
    version: read.version(),
    mark: () => {
      const stamp = read.stamp();
      return JSON.stringify({ ...stamp, print: read.fingerprint(stamp.end) } satisfies Mark);
    },
    grewFrom: (text) => {
      const mark = parseMark(text);
      if (!mark) return false;
      const now = read.stamp();
      if (now.holder !== mark.holder || now.end < mark.end) return false;
      if (now.end === mark.end) return now.changed === mark.changed;
      return read.fingerprint(mark.end) === mark.print;
    },
  };
}

function parseMark(text: string): Mark | undefined {
  try {
    const mark = JSON.parse(text) as Mark;
    return typeof mark.end === "number" && typeof mark.holder === "string" && typeof mark.changed === "string" && typeof mark.print === "string" ? mark : undefined;
  } catch {
    return undefined;
  }
}
