import { asString, type Json } from "../transcript/values.js";

/** Which entries a lookup wants: those whose store key, lower-cased, is one of `storeKeys`, or whose sessionId is `sessionId` or one of `sessionIds`. */
export type EntryQuery = { storeKeys: readonly string[]; sessionId: string; sessionIds?: readonly string[] };

export type Entry = [storeKey: string, entry: Json];

/**
 * One version of a registry's slim entries: all of them, or the few a lookup wants. Made from the
 * entries themselves, or from the text of a saved copy (one entry per line, each line starting with its
 * store key lower-cased), where a lookup finds its lines without parsing the others: a new process
 * resolving one key does not pay for the thousands of entries it does not want.
 */
export class RegistryEntries {
  private map: Map<string, Json> | undefined;
  /** The entries in order, and where each lower-cased store key and each session id occurs among them. */
  private byRef: { entries: Entry[]; refs: Map<string, number[]> } | undefined;

  private constructor(
    readonly signature: string,
    entries: Map<string, Json> | undefined,
    /** A saved copy's UTF-8 text (a first line, its header or empty, then one line per entry), while the entries are not parsed. */
    private text: Buffer | undefined,
  ) {
    this.map = entries;
  }

  static of(signature: string, entries: Map<string, Json>): RegistryEntries {
    return new RegistryEntries(signature, entries, undefined);
  }

  /** From a saved copy's UTF-8 text: a first line (its header, or empty), then the lines `savedLines` wrote. */
  static saved(signature: string, text: Buffer): RegistryEntries {
    return new RegistryEntries(signature, undefined, text);
  }

  /** The lines a saved copy holds after its header, one per entry. */
  static *savedLines(entries: Map<string, Json>): Iterable<string> {
    for (const [storeKey, entry] of entries) yield `\n${JSON.stringify([storeKey.toLowerCase(), storeKey, entry])}`;
  }

  all(): Map<string, Json> {
    if (!this.map) {
      const text = this.text?.toString("utf8") ?? "";
      const newline = text.indexOf("\n");
      const body = newline < 0 ? "" : text.slice(newline + 1);
      const rows = JSON.parse(`[${body.replaceAll("\n", ",")}]`) as Array<[string, string, Json]>;
      this.map = new Map(rows.map(([, storeKey, entry]) => [storeKey, entry]));
      this.text = undefined;
    }
    return this.map;
  }

  /** The entries `query` wants, in registry order. */
  find(query: EntryQuery): Entry[] {
    return this.text !== undefined ? this.findInText(this.text, query) : this.findInMap(query);
  }

  private findInMap(query: EntryQuery): Entry[] {
    // built once per version: a running server looks keys up in the same entries again and again
    this.byRef ??= refsOf([...this.all()]);
    const { entries, refs } = this.byRef;
    const wanted = [...query.storeKeys.map((k) => `key\n${k}`), ...idsOf(query).map((id) => `id\n${id}`)];
    const positions = new Set(wanted.flatMap((ref) => refs.get(ref) ?? []));
    return [...positions].sort((a, b) => a - b).map((at) => entries[at]!);
  }

  private findInText(text: Buffer, query: EntryQuery): Entry[] {
    // needles that can only match where the writer put them: a string's quotes are escaped inside strings
    const ids = idsOf(query);
    const needles = [...query.storeKeys.map((k) => `\n[${JSON.stringify(k)},`), ...ids.map((id) => `",{"sessionId":${JSON.stringify(id)}`)];
    const lineStarts = new Set<number>();
    for (const needle of needles) {
      const bytes = Buffer.from(needle, "utf8");
      for (let at = text.indexOf(bytes); at >= 0; at = text.indexOf(bytes, at + 1)) {
        lineStarts.add(text.lastIndexOf(NEWLINE, needle.startsWith("\n") ? at : at - 1) + 1);
      }
    }
    const found: Entry[] = [];
    for (const start of [...lineStarts].sort((a, b) => a - b)) {
      if (start === 0) continue; // the first line (a header)
      const end = text.indexOf(NEWLINE, start);
      const [lower, storeKey, entry] = JSON.parse(text.toString("utf8", start, end < 0 ? undefined : end)) as [string, string, Json];
      const sessionId = asString(entry.sessionId);
      if (query.storeKeys.includes(lower) || (sessionId !== undefined && ids.includes(sessionId))) found.push([storeKey, entry]);
    }
    return found;
  }
}

const NEWLINE = 0x0a;

function idsOf(query: EntryQuery): readonly string[] {
  return query.sessionIds ? [query.sessionId, ...query.sessionIds] : [query.sessionId];
}

function refsOf(entries: Entry[]): { entries: Entry[]; refs: Map<string, number[]> } {
  const refs = new Map<string, number[]>();
  const add = (ref: string, at: number) => (refs.get(ref) ?? refs.set(ref, []).get(ref)!).push(at);
  entries.forEach(([storeKey, entry], at) => {
    add(`key\n${storeKey.toLowerCase()}`, at);
    const sessionId = asString(entry.sessionId);
    if (sessionId !== undefined) add(`id\n${sessionId}`, at);
  });
  return { entries, refs };
}
