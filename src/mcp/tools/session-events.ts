import { PageSchema } from "../../contract/page.js";
import { SessionEventsInputSchema } from "../../contract/query-input.js";
import { querySessionEvents } from "../../engine/run-query.js";
import { defineTool } from "../define-tool.js";
import { EVENT_GUIDE } from "../tool-descriptions.js";

export const sessionEventsTool = defineTool({
  name: "session_events",
  title: "Events of one session",
  description: `The event history of ONE session, by default your own: messages, tool calls and results, errors, spawns, model switches, compactions.
Example: {"types": ["tool_call", "tool_error"], "since": "1h", "limit": 20}
Example: {"sessionKey": "agent:main:subagent:5f0c…", "order": "desc", "limit": 10}
${EVENT_GUIDE}`,
  inputSchema: SessionEventsInputSchema,
  outputSchema: PageSchema,
  run: (ctx, input, call) => querySessionEvents(ctx, input, call),
});
