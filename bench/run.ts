/** `npm run bench`: runs the benchmarks and writes BENCHMARKS.md. Sizes via env (see README). */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { cpus, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { benchLineReaders } from "./line-readers.js";

const MB = 1024 * 1024;
const lineReaderBytes = Number(process.env.BENCH_LINE_READER_MB ?? 200) * MB;
const runs = Number(process.env.BENCH_RUNS ?? 5);

const dir = mkdtempSync(join(tmpdir(), "session-events-bench-"));
try {
  const sections = [await benchLineReaders(dir, lineReaderBytes, runs)];
  const machine = `${cpus().length} x ${cpus()[0]?.model ?? "cpu"}, ${(totalmem() / 1024 ** 3).toFixed(0)} GiB RAM, Node ${process.version}, ${process.platform}`;
  const report = [
    "# Benchmarks",
    "",
    `Run with \`npm run bench\` on ${new Date().toISOString().slice(0, 10)}; machine: ${machine}.`,
    "",
    ...sections.flatMap((s) => [s, ""]),
  ].join("\n");
  const out = fileURLToPath(new URL("../../BENCHMARKS.md", import.meta.url));
  writeFileSync(out, report);
  console.log(report);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
