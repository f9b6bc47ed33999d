import { SessionStateInputSchema, SessionStateSchema } from "../../contract/session-state.js";
import { querySessionState } from "../../engine/session-state/run-state.js";
import { defineTool } from "../define-tool.js";

export const sessionStateTool = defineTool({
  name: "session_state",
  title: "State of one session at a point",
  description: `ONE session (by default your own) as it was at a point, by replaying its events: "what did the agent see at step 12?", "which model was it on an hour ago?".
Returns model and thinking level; name and labels; totals (messages by role, tool calls and errors by tool, tokens, cost); compactions and the last summary; spawned sub-agents with status; the last messages in the model's context.
The point: atSeq (a seq from session_events) or at (a time), not both; neither: now. Clearance, cutting and redaction as in session_events.
Example: {"atSeq": 12, "lastMessages": 5}
Example: {"sessionKey": "agent:main:subagent:5f0c…", "at": "30m"}`,
  inputSchema: SessionStateInputSchema,
  outputSchema: SessionStateSchema,
  run: (ctx, input) => querySessionState(ctx, input),
});
