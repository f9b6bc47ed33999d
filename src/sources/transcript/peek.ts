import { open } from "node:fs/promises";

/** The complete lines within the first `bytes` of a file (a cheap look at a transcript's head). */
export async function headLines(path: string, bytes = 64 * 1024): Promise<string[]> {
  const text = await readRange(path, 0, bytes);
  const lines = text.split("\n");
  if (!text.endsWith("\n")) lines.pop();
  return lines.filter((line) => line.trim() !== "");
}

/** The complete lines within the last `bytes` of a file, last first. */
export async function tailLines(path: string, bytes = 64 * 1024): Promise<string[]> {
  const handle = await open(path, "r");
  try {
    const size = (await handle.stat()).size;
    const start = Math.max(0, size - bytes);
    const buffer = Buffer.alloc(size - start);
    await handle.read(buffer, 0, buffer.length, start);
    const lines = buffer.toString("utf8").split("\n");
    if (start > 0) lines.shift(); // the first piece may be the end of a longer line
    return lines.filter((line) => line.trim() !== "").reverse();
  } finally {
    await handle.close();
  }
}

async function readRange(path: string, start: number, bytes: number): Promise<string> {
  const handle = await open(path, "r");
  try {
    const buffer = Buffer.alloc(bytes);
    const { bytesRead } = await handle.read(buffer, 0, bytes, start);
    return buffer.toString("utf8", 0, bytesRead);
  } finally {
    await handle.close();
  }
}
