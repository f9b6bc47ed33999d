/** The transcript files of a generated file store, as a user's own script would find them. */
import { readdirSync } from "node:fs";
import { join } from "node:path";

/** Every `agents/<id>/sessions/*.jsonl`, sorted (no trajectory, checkpoint or archive files). */
export function listTranscripts(store: string): string[] {
  const files: string[] = [];
  for (const agent of readdirSync(join(store, "agents")).sort()) {
    const dir = join(store, "agents", agent, "sessions");
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      continue;
    }
    for (const name of names.sort()) {
      if (name.endsWith(".jsonl") && !name.endsWith(".trajectory.jsonl") && !/\.checkpoint\.[^.]+\.jsonl$/.test(name)) files.push(join(dir, name));
    }
  }
  return files;
}
