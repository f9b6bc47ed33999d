import { RESTART } from "../engine/cursor.js";
import { CursorMismatch, NoSuchSession, QueryError } from "../engine/errors.js";

/** An error already said in the CLI's words (main prints it as is). */
export class CliError extends QueryError {}

/** Runs a command's query; an engine error comes out in the CLI's words. `manySessions`: patterns stand for sessionKey. */
export async function inCliTerms<T>(run: () => Promise<T>, manySessions: boolean): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof QueryError && !(error instanceof CliError)) throw new CliError(inCliWords(error, manySessions));
    throw error;
  }
}

/** The flag (or argument) of the CLI that sets each tool argument. */
export const FLAG_OF: Record<string, string> = {
  sessionKey: "--session",
  eventId: "--event",
  offset: "--offset",
  types: "--types",
  text: "--text",
  since: "--since",
  until: "--until",
  limit: "--limit",
  order: "--order",
  cursor: "--cursor",
  agentId: "--agent",
  spawnedBy: "--spawned-by",
  descendants: "--descendants",
  generations: "--generations",
  groupBy: "--group-by",
  fields: "--fields",
  maxFieldChars: "--max-field-chars",
  waitMs: "--follow",
  atSeq: "--at-seq",
  at: "--at",
  lastMessages: "--last-messages",
  query: "the search text",
};

/** Names only a tool uses: replaced wherever they stand in an engine message. */
const TOOL_ONLY_NAMES = ["sessionKey", "eventId", "agentId", "spawnedBy", "groupBy", "maxFieldChars", "waitMs", "atSeq", "lastMessages"];

/**
 * An engine error said in the CLI's words: flags instead of tool arguments, commands instead of tools.
 * `manySessions`: the command reads many sessions (its patterns stand for sessionKey).
 */
export function inCliWords(error: QueryError, manySessions = false): string {
  if (error instanceof CliError) return error.message;
  const flag = (name: string) => (name === "sessionKey" && manySessions ? "the patterns" : (FLAG_OF[name] ?? name));
  if (error instanceof NoSuchSession) {
    const key = /^No session ("(?:[^"\\]|\\.)*")/.exec(error.message)?.[1] ?? "";
    return `no session ${key} that you can read. List them with \`session-events sessions\`, or query a pattern: session-events query 'agent:main:*'`;
  }
  if (error instanceof CursorMismatch) return cursorMismatch(error, flag);
  let message = error.message
    .replace(RESTART, "Run it again without --cursor to start over.")
    .replace(/Use sessions_events for patterns\./, "Patterns go without --session: session-events query 'agent:main:*'.")
    .replace(/^session_events reads one session/, "--session reads one session")
    .replace(/^session_state reads one session/, "state reads one session");
  // "types.0: ..." / "types[0]: ..." / "since: ..." at the start name an argument
  message = message.replace(/^(\w+)(?:\.\d+|\[\d+\])*: /, (_whole, name: string) => `${flag(name)}: `);
  for (const name of TOOL_ONLY_NAMES) message = message.replace(new RegExp(`\\b${name}\\b`, "g"), flag(name));
  return message.replace(/\bcursor\b(?= (?:is|belongs))/, "--cursor");
}

function cursorMismatch(error: CursorMismatch, flag: (name: string) => string): string {
  if (error.argument === "tool") {
    return error.kept === "sessions_events"
      ? "--cursor continues a query over many sessions: leave out --session (or drop --cursor to start over)."
      : "--cursor continues a query over one session: give it with --session or alone, without patterns, --agent or --spawned-by (or drop --cursor to start over).";
  }
  const name = flag(error.argument);
  // (patterns as typed on the command line; a list flag comma-separated)
  const shown = (value: unknown) => (Array.isArray(value) ? value.join(error.argument === "sessionKey" ? " " : ",") : String(value));
  const walk = error.kept === undefined ? `without ${name}` : `${name} ${shown(error.kept)}`;
  return `--cursor belongs to another query (${walk}), not ${name} ${shown(error.given)}. Leave ${name} out: --cursor alone resumes its query. Or drop --cursor to start over.`;
}
