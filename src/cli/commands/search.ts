import { Command } from "commander";
import { createAppContext } from "../../app/context.js";
import { SessionsSearchInputSchema, type SearchResult } from "../../contract/search.js";
import { QueryError } from "../../engine/errors.js";
import { searchSessions } from "../../engine/search/search-sessions.js";
import { oneLine, shortTime } from "../format.js";
import { appOptions, withAppOptions } from "../shared-options.js";

type SearchFlags = { types?: string; since?: string; until?: string; agent?: string; limit?: string; json?: boolean };

export function searchCommand(): Command {
  return withAppOptions(
    new Command("search")
      .description('Find the sessions that mention something (sessions_search): words, "a phrase", prefix*; ranked, with snippets.')
      .argument("<query>", 'what to find, e.g. "budget review" or \'"deploy failed" stag*\'')
      .argument("[patterns...]", 'only sessions whose key matches these patterns (default "*")')
      .option("-t, --types <list>", "only events of these types (comma-separated)")
      .option("--since <time>", 'ISO-8601, epoch ms, or a duration before now ("7d")')
      .option("--until <time>", "same forms as --since; exclusive")
      .option("--agent <id>", "only sessions of this agent")
      .option("-n, --limit <n>", "sessions to show (default 10, max 100)")
      .option("--json", "print the result as JSON (what the tool returns)"),
  ).action(async (query: string, patterns: string[], flags: SearchFlags, command: Command) => {
    const ctx = createAppContext(appOptions(command.optsWithGlobals()));
    const parsed = SessionsSearchInputSchema.safeParse({
      query,
      sessionKey: patterns.length === 0 ? undefined : patterns.length === 1 ? patterns[0] : patterns,
      agentId: flags.agent,
      types: flags.types?.split(",").map((t) => t.trim()).filter(Boolean),
      since: flags.since,
      until: flags.until,
      limit: flags.limit === undefined ? undefined : Number(flags.limit),
    });
    if (!parsed.success) throw new QueryError(parsed.error.issues.map((i) => `${i.path.join(".") || "input"}: ${i.message}`).join("; "));
    const result = await searchSessions(ctx, parsed.data);
    process.stdout.write(flags.json ? `${JSON.stringify(result, null, 2)}\n` : `${formatSearch(result)}\n`);
  });
}

/** Results for people: each session with its hits and snippets, then a count and the notes. */
export function formatSearch(result: SearchResult): string {
  const blocks = result.sessions.map((s) => {
    const head = `${s.key}  ${s.hits} hit(s)  updated ${shortTime(s.updatedAt ? Date.parse(s.updatedAt) : undefined)}${s.title ? `\n  ${oneLine(s.title, 100)}` : ""}`;
    const snippets = s.snippets.map((n) => `    #${n.seq} ${n.type}: ${oneLine(n.text, 220)}  (${n.eventId})`);
    return [head, ...snippets].join("\n");
  });
  const shown = result.sessions.length < result.sessionsWithHits ? ` (${result.sessions.length} shown)` : "";
  const footer = `${result.sessionsWithHits} of ${result.sessionsMatched} session(s) match${shown}`;
  return [...(blocks.length > 0 ? blocks : ["(no matches)"]), footer, ...result.notes.map((n) => `note: ${n}`)].join("\n\n");
}
