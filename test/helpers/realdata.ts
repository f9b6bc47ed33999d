import { existsSync } from "node:fs";
import { join } from "node:path";
import { PROJECT_ROOT } from "./built-server.js";

/**
 * The excerpts of real stores in the workplace's shared folder (never copied into the project), read
 * where they are. A clone outside the workplace has none: tests over them then skip, saying why.
 */
export const REALDATA_STORES = join(PROJECT_ROOT, "..", "shared", "realdata", "stores");
export const HAVE_REALDATA = existsSync(REALDATA_STORES);
export const REALDATA_SKIP_REASON = `the real-store excerpts are not at ${REALDATA_STORES} (a clone outside the workplace): skipped`;

if (!HAVE_REALDATA) console.warn(REALDATA_SKIP_REASON);

/** The state dir of one case (`pi-v1`, `clock-step`, ...). */
export function realStore(name: string): string {
  return join(REALDATA_STORES, name);
}
