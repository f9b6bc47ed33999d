import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { chmodSync, existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { z } from "zod";
import { ClearanceSchema, ScopeSchema, type Principal } from "../engine/principal.js";

const TokenEntrySchema = z
  .object({
    name: z.string().min(1).max(128),
    sha256: z.string().regex(/^[0-9a-f]{64}$/, "must be 64 lower-case hex digits"),
    caller: z.string().min(1).max(256).optional(),
    scope: ScopeSchema.optional(),
    clearance: ClearanceSchema.optional(),
  })
  .strict()
  .refine((t) => t.caller !== undefined || t.scope === undefined || t.scope === "all", {
    message: 'a token without caller is an operator token: its scope can only be "all" (a self, tree or agent token needs a caller)',
  });

const TokensFileSchema = z.object({ tokens: z.array(TokenEntrySchema) }).strict();
export type TokenEntry = z.infer<typeof TokenEntrySchema>;

/** A known token: who it is (by name, for logs and rate limits) and the principal it stands for. */
export type TokenHolder = { name: string; principal: Principal; operator: boolean };

export function hashToken(token: string): string {
  return createHash("sha256").update(token, "utf8").digest("hex");
}

/** Checks a tokens file's text: the entries, or an error saying what is wrong (never a hash). */
export function parseTokensFile(text: string, path: string): TokenEntry[] {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new Error(`tokens file ${path} is not JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
  const parsed = TokensFileSchema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; ");
    throw new Error(`tokens file ${path} is not valid: ${problems}`);
  }
  const seen = new Set<string>();
  for (const entry of parsed.data.tokens) {
    if (seen.has(entry.sha256)) throw new Error(`tokens file ${path} is not valid: two entries have one hash (the second is "${entry.name}")`);
    seen.add(entry.sha256);
  }
  return parsed.data.tokens;
}

function holderOf(entry: TokenEntry): TokenHolder {
  const clearance = entry.clearance ?? "internal";
  return entry.caller === undefined
    ? { name: entry.name, principal: { scope: "all", clearance }, operator: true }
    : { name: entry.name, principal: { caller: entry.caller, scope: entry.scope ?? "tree", clearance }, operator: false };
}

/**
 * The tokens of a file, looked up by the sha256 of what a client sends, compared in constant time with
 * every entry. The file is read again whenever its content changes (in place or replaced by rename);
 * a file made invalid keeps the last good tokens, and says so through `warn`.
 */
export class TokenRegistry {
  private entries: { hash: Buffer; holder: TokenHolder }[] = [];
  private lastText = "";
  private timer: NodeJS.Timeout | undefined;

  constructor(
    readonly path: string,
    private readonly warn: (message: string) => void,
  ) {
    this.load(readFileSync(path, "utf8"));
  }

  /** Looks again every `intervalMs` (a stat and a small read; polling sees renames and in-place writes alike). */
  watch(intervalMs = 1000): void {
    this.timer = setInterval(() => this.reload(), intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  reload(): void {
    let text: string;
    try {
      text = readFileSync(this.path, "utf8");
    } catch (error) {
      if (this.lastText !== "") this.warn(`tokens file ${this.path} cannot be read (${(error as NodeJS.ErrnoException).code ?? "error"}): keeping the last good tokens`);
      this.lastText = "";
      return;
    }
    if (text === this.lastText) return;
    try {
      this.load(text);
      this.warn(`tokens file ${this.path} read again: ${this.entries.length} token(s)`);
    } catch (error) {
      this.lastText = text;
      this.warn(`${error instanceof Error ? error.message : String(error)}; keeping the last good tokens`);
    }
  }

  /** The holder of this token, or undefined; always compares against every entry. */
  find(token: string): TokenHolder | undefined {
    const hash = createHash("sha256").update(token, "utf8").digest();
    let found: TokenHolder | undefined;
    for (const entry of this.entries) if (timingSafeEqual(entry.hash, hash) && !found) found = entry.holder;
    return found;
  }

  get size(): number {
    return this.entries.length;
  }

  private load(text: string): void {
    const entries = parseTokensFile(text, this.path);
    this.entries = entries.map((entry) => ({ hash: Buffer.from(entry.sha256, "hex"), holder: holderOf(entry) }));
    this.lastText = text;
  }
}

/**
 * Makes a new random token (32 bytes), adds its hash to the file (created with mode 0600, replaced
 * atomically) and returns the token: the only time it exists in clear.
 */
export function addToken(path: string, entry: Omit<TokenEntry, "sha256">): string {
  const existing = existsSync(path) ? parseTokensFile(readFileSync(path, "utf8"), path) : [];
  if (existing.some((t) => t.name === entry.name)) throw new Error(`tokens file ${path} already has a token named "${entry.name}"`);
  const token = `se_${randomBytes(32).toString("base64url")}`;
  const added = TokenEntrySchema.safeParse({ ...entry, sha256: hashToken(token) });
  if (!added.success) throw new Error(added.error.issues.map((i) => `${i.path.join(".") || "token"}: ${i.message}`).join("; "));
  const temp = `${path}.${process.pid}.tmp`;
  writeFileSync(temp, `${JSON.stringify({ tokens: [...existing, added.data] }, null, 2)}\n`, { mode: 0o600, flag: "wx" });
  chmodSync(temp, 0o600);
  renameSync(temp, path);
  return token;
}
