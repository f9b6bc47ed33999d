/**
 * Line readers compared on the same JSONL bytes: ndjson (stream + JSON.parse per line), Node's
 * readline, and this project's byte-offset reader (src/sources/transcript/line-reader.ts).
 */
import { createReadStream, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import ndjson from "ndjson";
import { readLines } from "../src/sources/transcript/line-reader.js";
import { withTurns } from "../src/sources/transcript/turns.js";
import { markdownTable, median, timeRuns } from "./stats.js";

function sampleLine(i: number): string {
  const ts = new Date(Date.UTC(2026, 0, 1) + i * 1000).toISOString();
  const body = i % 7 === 0 ? "result ".repeat(400) : `answer number ${i} with some words in it`;
  return JSON.stringify({
    type: "message",
    id: i.toString(16).padStart(8, "0"),
    parentId: null,
    timestamp: ts,
    message: { role: i % 2 ? "assistant" : "user", content: [{ type: "text", text: body }], timestamp: Date.parse(ts) },
  });
}

export function writeSampleFile(dir: string, targetBytes: number): { path: string; lines: number; bytes: number } {
  const parts: string[] = [];
  let bytes = 0;
  let lines = 0;
  while (bytes < targetBytes) {
    const line = `${sampleLine(lines)}\n`;
    parts.push(line);
    bytes += Buffer.byteLength(line);
    lines++;
  }
  const path = join(dir, "line-readers.jsonl");
  writeFileSync(path, parts.join(""));
  return { path, lines, bytes };
}

async function withNdjson(path: string): Promise<number> {
  let count = 0;
  await new Promise<void>((resolve, reject) => {
    createReadStream(path)
      .pipe(ndjson.parse({ strict: false }))
      .on("data", () => count++)
      .on("end", resolve)
      .on("error", reject);
  });
  return count;
}

async function withReadline(path: string): Promise<number> {
  let count = 0;
  for await (const line of createInterface({ input: createReadStream(path), crlfDelay: Infinity })) {
    JSON.parse(line);
    count++;
  }
  return count;
}

async function withLineReader(path: string): Promise<number> {
  let count = 0;
  for await (const line of withTurns(readLines(path))) {
    JSON.parse(line.text);
    count++;
  }
  return count;
}

export async function benchLineReaders(dir: string, targetBytes: number, runs: number): Promise<string> {
  const file = writeSampleFile(dir, targetBytes);
  const readers: Array<[string, (p: string) => Promise<number>]> = [
    ["ndjson (stream, JSON.parse per line)", withNdjson],
    ["node:readline + JSON.parse", withReadline],
    ["line-reader.ts (byte offsets) + JSON.parse", withLineReader],
  ];
  for (const [name, read] of readers) {
    const count = await read(file.path);
    if (count !== file.lines) throw new Error(`${name} read ${count} lines, expected ${file.lines}`);
  }
  // in rounds, each reader once in turn, so a slow stretch of the machine falls on all of them alike
  const times = readers.map((): number[] => []);
  for (let round = 0; round < runs; round++) {
    for (const [i, [, read]] of readers.entries()) times[i]!.push((await timeRuns(1, () => read(file.path))).medianMs);
  }
  const medians = times.map(median);
  const rows = readers.map(([name], i) => {
    const mbps = file.bytes / 1e6 / (medians[i]! / 1000);
    return [name, medians[i]!.toFixed(0), mbps.toFixed(0), `${(medians[0]! / medians[i]!).toFixed(2)}x`];
  });
  return [
    `Line readers on one ${(file.bytes / 1e6).toFixed(0)} MB JSONL file (${file.lines} lines), median of ${runs} runs, in rounds (each reader once in turn):`,
    "",
    markdownTable(["reader", "median ms", "MB/s", "speed vs ndjson"], rows),
  ].join("\n");
}
