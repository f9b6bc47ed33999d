import { PageSchema } from "../../contract/page.js";
import { SessionsEventsInputSchema } from "../../contract/query-input.js";
import { querySessionsEvents } from "../../engine/run-query.js";
import { defineTool } from "../define-tool.js";
import { EVENT_GUIDE } from "../tool-descriptions.js";

export const sessionsEventsTool = defineTool({
  name: "sessions_events",
  title: "Events across sessions",
  description: `Read events across MANY sessions you may see, merged in time order (ties: session key, then seq). Select sessions by key pattern, agent, or parent; e.g. an orchestrator auditing the sub-agents it spawned.
Example: {"spawnedBy": "current", "descendants": true, "types": ["spawn", "complete", "error"]}
Example: {"sessionKey": "agent:main:*", "types": ["tool_error"], "since": "24h"}
Example: {"sessionKey": ["agent:main:cron:*", "agent:ops:*"], "since": "2026-02-15T00:00:00Z", "until": "2026-02-16T00:00:00Z"}
${EVENT_GUIDE}`,
  inputSchema: SessionsEventsInputSchema,
  outputSchema: PageSchema,
  run: (ctx, input, call) => querySessionsEvents(ctx, input, call),
});
