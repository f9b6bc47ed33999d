import { existsSync, readFileSync } from "node:fs";

/** This package's version, from its package.json (found from src/ when run from source, or dist/src/ when built). */
function readVersion(): string {
  for (const relative of ["../package.json", "../../package.json"]) {
    const url = new URL(relative, import.meta.url);
    if (!existsSync(url)) continue;
    const pkg = JSON.parse(readFileSync(url, "utf8")) as { name?: string; version?: string };
    if (pkg.name === "openclaw-session-events" && pkg.version) return pkg.version;
  }
  return "0.0.0";
}

export const PACKAGE_VERSION: string = readVersion();
