import { SearchResultSchema, SessionsSearchInputSchema } from "../../contract/search.js";
import { searchSessions } from "../../engine/search/search-sessions.js";
import { defineTool } from "../define-tool.js";

export const sessionsSearchTool = defineTool({
  name: "sessions_search",
  title: "Search sessions by what was said",
  description: `Find the sessions you may see whose events mention something ("where did we discuss the budget review?"), most matching events first, each with title, hit count and up to 3 snippets (matches «marked») whose eventId opens the event with session_events.
Query: words (all in one event), "a phrase", prefix*; case and accents do not count. Searches message text, tool names, args and results, errors, spawn tasks, compaction summaries, state values; never credential values.
Example: {"query": "\\"permission denied\\" deploy*", "since": "7d", "types": "tool_error"}
To list every matching event, use sessions_events with text.`,
  inputSchema: SessionsSearchInputSchema,
  outputSchema: SearchResultSchema,
  run: (ctx, input, call) => searchSessions(ctx, input, call),
});
