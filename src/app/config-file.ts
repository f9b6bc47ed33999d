import { readFileSync } from "node:fs";
import { z } from "zod";
import { ConfidentialRuleSchema } from "../engine/visibility.js";

const regexSource = z.string().min(1).refine(
  (source) => {
    try {
      new RegExp(source, "g");
      return true;
    } catch {
      return false;
    }
  },
  { message: "not a valid regular expression" },
);

/** The operator's config file (--config FILE): trusted, and checked strictly so a typo is an error. */
export const ConfigFileSchema = z
  .object({
    confidential: z
      .array(ConfidentialRuleSchema)
      .default([])
      .describe("Rules that make matching events confidential: {type?, tool?, session?} patterns."),
    redactPatterns: z
      .array(regexSource)
      .default([])
      .describe("Extra regular expressions whose matches are redacted below confidential clearance."),
    cursorSecret: z.string().min(16).optional().describe("Key for signing cursors (else a per-user key file)."),
    pageBytes: z.number().int().min(4096).max(4_000_000).optional().describe("Byte budget of one page (default 49152)."),
    maxFieldChars: z.number().int().min(64).max(1_000_000).optional().describe("Longest text field before it is cut (default 2000)."),
    scanBudgetMB: z
      .number()
      .min(1)
      .max(1_000_000)
      .optional()
      .describe("Transcript megabytes one page may read before it stops at the next session and says so (default 512)."),
    rateLimitPerMinute: z
      .number()
      .int()
      .min(1)
      .max(1_000_000)
      .optional()
      .describe("serve: requests one token (or, without tokens, one address) may make a minute (default 600)."),
    clawjsAgentId: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,64}$/)
      .optional()
      .describe('Agent id given to a ClawJS workspace (default "clawjs").'),
  })
  .strict();
export type ConfigFile = z.infer<typeof ConfigFileSchema>;

export function loadConfigFile(path: string | undefined): ConfigFile {
  if (path === undefined) return ConfigFileSchema.parse({});
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, "utf8"));
  } catch (error) {
    throw new Error(`config file ${path}: ${error instanceof Error ? error.message : String(error)}`);
  }
  const parsed = ConfigFileSchema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; ");
    throw new Error(`config file ${path} is not valid: ${problems}`);
  }
  return parsed.data;
}
