import { readSync } from "node:fs";

/** A file opened for reading, with its size when opened. */
export type OpenFile = { fd: number; size: number };

/** The complete lines within the first `bytes` of a file (a cheap look at a transcript's head). */
export function headLines(file: OpenFile, bytes = 64 * 1024): string[] {
  const text = readRange(file, 0, Math.min(bytes, file.size));
  const lines = text.split("\n");
  if (!text.endsWith("\n")) lines.pop();
  return lines.filter((line) => line.trim() !== "");
}

/** The complete lines within the last `bytes` of a file, last first. */
export function tailLines(file: OpenFile, bytes = 64 * 1024): string[] {
  const start = Math.max(0, file.size - bytes);
  const lines = readRange(file, start, file.size - start).split("\n");
  if (start > 0) lines.shift(); // the first piece may be the end of a longer line
  return lines.filter((line) => line.trim() !== "").reverse();
}

// synchronous: two 64 KiB reads of a page-cached file take microseconds
function readRange(file: OpenFile, start: number, bytes: number): string {
  const buffer = Buffer.alloc(bytes);
  let done = 0;
  while (done < bytes) {
    const read = readSync(file.fd, buffer, done, bytes - done, start + done);
    if (read === 0) break;
    done += read;
  }
  return buffer.toString("utf8", 0, done);
}
