import { SearchResultSchema, SessionsSearchInputSchema } from "../../contract/search.js";
import { searchSessions } from "../../engine/search/search-sessions.js";
import { defineTool } from "../define-tool.js";

export const sessionsSearchTool = defineTool({
  name: "sessions_search",
  title: "Search sessions by what was said",
  description: `Find the sessions you may see whose events say something: "where did we talk about the budget review?", "which session read that file?". Ranked: most matching events first (ties: most recently updated); each with its title, hit count and up to 3 snippets (matching words marked «like this») whose eventId opens the whole event with session_events.
Query: words (all must occur in one event, any order), "a phrase" in quotes, prefix* for words that begin so; case and accents do not count. Searched: message text, tool names and args (keys and values), tool results, errors, spawn tasks and labels, compaction summaries, state values. Credentials are never findable by their value.
Example: {"query": "budget review"}
Example: {"query": "\\"permission denied\\" deploy*", "since": "7d", "types": ["tool_error"]}
To list every matching event in order, use sessions_events with text.`,
  inputSchema: SessionsSearchInputSchema,
  outputSchema: SearchResultSchema,
  run: (ctx, input, call) => searchSessions(ctx, input, call),
});
