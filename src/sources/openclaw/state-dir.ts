import { existsSync } from "node:fs";
import { homedir } from "node:os";
import { join, resolve } from "node:path";

const LEGACY_DIRS = [".clawdbot", ".moldbot", ".moltbot"];

export type StateDirEnvironment = {
  env?: NodeJS.ProcessEnv;
  home?: string;
  exists?: (path: string) => boolean;
};

/**
 * OpenClaw's state directory, resolved as OpenClaw does: OPENCLAW_STATE_DIR, then CLAWDBOT_STATE_DIR;
 * else ~/.openclaw if it exists; else the first existing legacy dir; else ~/.openclaw.
 * OPENCLAW_HOME replaces the home directory.
 */
export function resolveStateDir(options: StateDirEnvironment = {}): string {
  const env = options.env ?? process.env;
  const exists = options.exists ?? existsSync;
  const home = nonEmpty(env.OPENCLAW_HOME) ? resolve(expandHome(env.OPENCLAW_HOME!, options.home ?? homedir())) : (options.home ?? homedir());
  for (const name of ["OPENCLAW_STATE_DIR", "CLAWDBOT_STATE_DIR"]) {
    const value = env[name];
    if (nonEmpty(value)) return resolve(expandHome(value!, home));
  }
  const preferred = join(home, ".openclaw");
  if (exists(preferred)) return preferred;
  for (const legacy of LEGACY_DIRS) {
    const candidate = join(home, legacy);
    if (exists(candidate)) return candidate;
  }
  return preferred;
}

function nonEmpty(value: string | undefined): boolean {
  return value !== undefined && value.trim() !== "";
}

function expandHome(path: string, home: string): string {
  const trimmed = path.trim();
  if (trimmed === "~") return home;
  if (trimmed.startsWith("~/") || trimmed.startsWith("~\\")) return join(home, trimmed.slice(2));
  return trimmed;
}
