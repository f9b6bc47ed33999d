import { existsSync, statSync } from "node:fs";
import { resolve } from "node:path";
import { OpenClawFileSource, type SessionListing } from "./openclaw/file-source.js";
import { resolveStateDir } from "./openclaw/state-dir.js";

/** The sources behind one --store argument, listed together. */
export type Store = {
  description: string;
  list(): Promise<SessionListing>;
};

/** Opens the store a --store value (or, without one, OpenClaw's state-dir resolution) names. */
export function openStore(spec: string | undefined, env: NodeJS.ProcessEnv = process.env): Store {
  const root = spec !== undefined && spec.trim() !== "" ? resolve(spec) : resolveStateDir({ env });
  if (!existsSync(root)) throw new Error(`store ${root} does not exist (pass --store DIR, an OpenClaw state dir).`);
  if (!statSync(root).isDirectory()) throw new Error(`store ${root} is not a directory.`);
  const files = new OpenClawFileSource(root);
  return {
    description: `openclaw state dir ${root}`,
    list: () => files.list(),
  };
}
