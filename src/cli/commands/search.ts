import { Command } from "commander";
import { createAppContext } from "../../app/context.js";
import { SessionsSearchInputSchema, type SearchResult } from "../../contract/search.js";
import { QueryError } from "../../engine/errors.js";
import { searchSessions } from "../../engine/search/search-sessions.js";
import { FLAG_OF, inCliTerms } from "../cli-errors.js";
import { oneLine, shortTime } from "../format.js";
import { parseInput } from "../parse-input.js";
import { wholeNumber } from "../query/flags.js";
import { appOptions, withAppOptions } from "../shared-options.js";
import { warnRegexLikePatterns } from "../warnings.js";

type SearchFlags = { types?: string; since?: string; until?: string; agent?: string; limit?: number; json?: boolean };

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
      .option("-n, --limit <n>", "sessions to show (default 10, max 100)", wholeNumber)
      .option("--json", "print the result as JSON (what the tool returns)"),
  ).action(async (query: string, patterns: string[], flags: SearchFlags, command: Command) => {
    const types = flags.types?.split(",").map((t) => t.trim()).filter(Boolean);
    if (types?.length === 0) throw new QueryError("--types is empty: give one or more comma-separated values, or leave --types out.");
    warnRegexLikePatterns([...patterns, flags.agent]);
    const ctx = createAppContext(appOptions(command.optsWithGlobals()));
    const input = parseInput(
      SessionsSearchInputSchema,
      {
        query,
        sessionKey: patterns.length === 0 ? undefined : patterns.length === 1 ? patterns[0] : patterns,
        agentId: flags.agent,
        types,
        since: flags.since,
        until: flags.until,
        limit: flags.limit,
      },
      { ...FLAG_OF, sessionKey: "pattern" },
    );
    const result = await inCliTerms(() => searchSessions(ctx, input), true);
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
