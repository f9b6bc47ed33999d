import { PageSchema } from "../../contract/page.js";
import { SessionsEventsInputSchema } from "../../contract/query-input.js";
import { querySessionsEvents } from "../../engine/run-query.js";
import { defineTool } from "../define-tool.js";

export const sessionsEventsTool = defineTool({
  name: "sessions_events",
  title: "Events across sessions",
  description: `Read events across MANY sessions you may see, merged in time order (ties: key, then seq), selected by key pattern, agent or parent; e.g. an orchestrator auditing the sub-agents it spawned.
Example: {"spawnedBy": "current", "descendants": true, "types": ["spawn", "complete", "error"]}
Example: {"sessionKey": ["agent:main:cron:*", "agent:ops:*"], "types": "tool_error", "since": "24h"}
Events, payloads, aliases and paging with nextCursor: as in session_events.`,
  inputSchema: SessionsEventsInputSchema,
  outputSchema: PageSchema,
  run: (ctx, input, call) => querySessionsEvents(ctx, input, call),
});
