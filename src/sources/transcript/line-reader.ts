import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import { LongLiteralCutter } from "./long-literals.js";
import { TURN, turnDue, type Turn } from "./turns.js";

/** One line of a JSONL file, with its byte range (end is just past the newline). */
export type Line = {
  text: string;
  offset: number;
  end: number;
  /** false for a last line with no newline yet: it may still be being written. */
  complete: boolean;
  /** the line was longer than maxLineBytes; text is empty and the line must be skipped. */
  oversized?: boolean;
  /** the read stopped here, out of its byte budget (text is empty): nothing at or after `offset` was read whole. */
  stopped?: boolean;
};

/** Bytes a read may take before it asks whether it may stop (before the line it is in, `lineBytes` long so far). */
export type LineBudget = { bytes: number; stop(lineBytes: number): boolean };

export type ReadLinesOptions = {
  /** Byte offset to start at; must be the start of a line. */
  start?: number;
  /** Byte offset to stop at (exclusive); defaults to the file's size when it is opened. */
  end?: number;
  chunkBytes?: number;
  /** Lines longer than this are reported as oversized instead of being held in memory. */
  maxLineBytes?: number;
  /**
   * Give lines longer than CUT_LINES_OVER whole (fetching one event by id). By default their string
   * literals longer than KEEP_LITERAL_BYTES, and arrays and objects of more than KEEP_ITEMS items, are
   * cut as they are read (see LongLiteralCutter), so a huge line is never held, nor parsed, whole.
   */
  wholeLines?: boolean;
  /** When lines are cut, what is kept of a long literal and of a long array or object (CUT_LINES_OVER, KEEP_LITERAL_BYTES and KEEP_ITEMS by default). */
  cut?: { linesOver: number; keepBytes: number; keepItems?: number };
  /** Stop once this is spent and `stop` agrees, ending with a `stopped` line (a 4 GiB line is not read to its end). */
  budget?: LineBudget;
  /** Bytes an earlier read of the same, unchanged file fetched and did not give as lines: taken when this read starts among them, and left here for the next. */
  readAhead?: ReadAhead;
};

/**
 * What a read fetched past the last line it gave (a page's read stops in the middle of a chunk): the
 * bytes from file offset `at`, and the size its next chunk would have had, so the next read of a walk
 * goes on where this one was instead of fetching the same bytes again, in small chunks. Only for the
 * same file, unchanged since (the caller checks that). `chunk`: the buffer the last read filled (the
 * bytes are in it), filled again by the next read once it is past them: a walk's thousands of reads
 * then do not each allocate a chunk of their own (a quarter MiB each, outside the heap: 300 MB over a
 * walk of the 1 GB store's big session, which the garbage collector counts and goes after).
 */
export type ReadAhead = { at: number; bytes: Buffer | undefined; chunkBytes: number; chunk?: Buffer };

export const DEFAULT_MAX_LINE_BYTES = 64 * 1024 * 1024;
/** Lines longer than this have their long string literals cut as they are read. */
export const CUT_LINES_OVER = 1024 * 1024;
/**
 * What is kept of a cut literal: 6 bytes (a \uXXXX escape) for each character a page can show of a
 * field (maxFieldChars up to 100,000, plus the redaction margin), and more (contract/cut-mark.ts
 * CUT_KEEPS_MORE_THAN_CHARS), so no page sees the cut.
 */
export const KEEP_LITERAL_BYTES = 640 * 1024;
/** What is kept of a cut array or object: more items than a page shows of one (shape.ts maxItems, 200 at most). */
export const KEEP_ITEMS = 1000;
const NEWLINE = 0x0a;
const FIRST_CHUNK_BYTES = 32 * 1024;

/**
 * Streams the lines of a file with their byte offsets, holding at most one chunk plus one line in
 * memory. It reads the file as it is when opened (later appends are left for the next read) and
 * opens it read-only (or reads a descriptor the caller opened), so it never changes the store or
 * blocks its writer. Reads are synchronous:
 * for page-cached transcripts a read takes microseconds, far less than a trip through the thread
 * pool, and a query reads many small stretches of many files. So it is a synchronous generator, which
 * yields TURN whenever the event loop is due a turn (see turns.ts).
 */
export function* readLines(file: string | number, options: ReadLinesOptions = {}): Generator<Line | Turn> {
  const chunkBytes = options.chunkBytes ?? 256 * 1024;
  const maxLineBytes = options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
  const cut = options.cut ?? { linesOver: CUT_LINES_OVER, keepBytes: KEEP_LITERAL_BYTES };
  // a descriptor is the caller's (opened and checked by it), to read through and leave open
  const fd = typeof file === "number" ? file : openSync(file, "r");
  const readAhead = options.readAhead;
  let position = options.start ?? 0;
  // (bytes an earlier read left from here on: the first chunk, not read again)
  let carried = takeReadAhead(readAhead, position);
  // reads start small and double: a page often wants only the next few lines of a long read
  let want = carried ? readAhead!.chunkBytes : FIRST_CHUNK_BYTES;
  // what reads fill (made at the first read, unless the last read's is at hand: its bytes carried
  // over are used up before it is filled again, and lines are copied out of it as strings)
  let chunk: Buffer | undefined = readAhead?.chunk;
  // the bytes being split into lines (the chunk, or carried bytes), from file offset dataAt on
  let data: Buffer = EMPTY;
  let dataAt = position;
  let dataBytes = 0;
  let givenTo = position; // the end of the last line given
  try {
    const size = options.end ?? fstatSync(fd).size;
    let pieces: Buffer[] = []; // the start of a line that spans chunks
    let pieceBytes = 0;
    let lineStart = position;
    let oversized = false;
    let cutter: LongLiteralCutter | undefined; // the line so far, once it is long enough to cut
    const lineText = () => decodeAll(cutter ? [cutter.result()] : pieces, lineStart === 0);

    while (position < size) {
      if (options.budget && position - (options.start ?? 0) > options.budget.bytes && options.budget.stop(position - lineStart)) {
        yield { text: "", offset: lineStart, end: position, complete: false, stopped: true };
        return;
      }
      let bytesRead: number;
      if (carried) {
        data = carried;
        bytesRead = Math.min(carried.length, size - position);
        carried = undefined;
      } else {
        const length = Math.max(1, Math.min(want, chunkBytes, size - position));
        if (!chunk || chunk.length < length) chunk = Buffer.allocUnsafe(length);
        data = chunk;
        bytesRead = readSync(fd, chunk, 0, length, position);
        want = Math.min(2 * want, chunkBytes);
      }
      dataAt = position;
      dataBytes = bytesRead;
      if (bytesRead === 0) break;
      if (turnDue(bytesRead)) yield TURN;
      let from = 0;
      while (from < bytesRead) {
        const newline = data.indexOf(NEWLINE, from);
        const stop = newline === -1 || newline >= bytesRead ? bytesRead : newline;
        const lineDone = stop < bytesRead;
        if (!oversized) {
          if (pieceBytes + (stop - from) > maxLineBytes) {
            oversized = true;
            pieces = [];
            pieceBytes = 0;
            cutter = undefined;
          } else if (lineDone && pieces.length === 0 && !cutter) {
            // fast path: the whole line is inside this chunk
            const end = position + stop + 1;
            givenTo = end;
            yield { text: decode(data, from, stop, lineStart === 0), offset: lineStart, end, complete: true };
            lineStart = end;
            from = stop + 1;
            continue;
          } else {
            pieceBytes += stop - from;
            if (cutter) cutter.push(data, from, stop);
            else pieces.push(Buffer.from(data.subarray(from, stop)));
            if (!cutter && !options.wholeLines && pieceBytes > cut.linesOver) {
              cutter = new LongLiteralCutter(cut.keepBytes, cut.keepItems ?? KEEP_ITEMS);
              for (const piece of pieces) cutter.push(piece, 0, piece.length);
              pieces = [];
            }
          }
        }
        if (!lineDone) break;
        const end = position + stop + 1;
        givenTo = end;
        yield oversized
          ? { text: "", offset: lineStart, end, complete: true, oversized: true }
          : { text: lineText(), offset: lineStart, end, complete: true };
        pieces = [];
        pieceBytes = 0;
        cutter = undefined;
        oversized = false;
        lineStart = end;
        from = stop + 1;
      }
      position += bytesRead;
    }
    if (lineStart < position) {
      yield oversized
        ? { text: "", offset: lineStart, end: position, complete: false, oversized: true }
        : { text: lineText(), offset: lineStart, end: position, complete: false };
    }
  } finally {
    if (typeof file !== "number") closeSync(fd);
    // (a read that ends, or is left, with bytes of its chunk not given as whole lines leaves them for the next)
    if (readAhead && givenTo >= dataAt && givenTo < dataAt + dataBytes) {
      readAhead.at = givenTo;
      readAhead.bytes = data.subarray(givenTo - dataAt, dataBytes);
      readAhead.chunkBytes = want;
    }
    if (readAhead && chunk) readAhead.chunk = chunk;
  }
}

const EMPTY = Buffer.alloc(0);

/** The bytes an earlier read left from `at` on (a view of them), taken out of `readAhead`; undefined when it left none there. */
function takeReadAhead(readAhead: ReadAhead | undefined, at: number): Buffer | undefined {
  const bytes = readAhead?.bytes;
  if (!bytes) return undefined;
  readAhead.bytes = undefined;
  const skip = at - readAhead.at;
  return skip >= 0 && skip < bytes.length ? bytes.subarray(skip) : undefined;
}

function decode(buffer: Buffer, from: number, to: number, atFileStart: boolean): string {
  const text = buffer.toString("utf8", from, to);
  return atFileStart && text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

function decodeAll(pieces: Buffer[], atFileStart: boolean): string {
  const joined = pieces.length === 1 ? pieces[0]! : Buffer.concat(pieces);
  return decode(joined, 0, joined.length, atFileStart);
}
