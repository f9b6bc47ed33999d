/** Writes tool-schemas/<tool>.json from the zod schemas, via the server's own tools/list. */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { listTools, toolSchemaFile } from "../src/mcp/tool-listing.js";

const outDir = fileURLToPath(new URL("../../tool-schemas/", import.meta.url));
mkdirSync(outDir, { recursive: true });
for (const tool of await listTools()) {
  const path = join(outDir, `${tool.name}.json`);
  writeFileSync(path, toolSchemaFile(tool));
  console.log(`wrote ${path}`);
}
