import { SessionStateInputSchema, SessionStateSchema } from "../../contract/session-state.js";
import { querySessionState } from "../../engine/session-state/run-state.js";
import { defineTool } from "../define-tool.js";

export const sessionStateTool = defineTool({
  name: "session_state",
  title: "State of one session at a point",
  description: `Reconstruct the state of ONE agent session (by default your own) at a point in its history, by replaying its events: "what did the agent see at step 12?", "which model was it on an hour ago?".
Returns: the model and thinking level in effect; name and labels; totals (messages by role, tool calls and tool errors by tool, errors, tokens, cost); compactions and the last one's summary; the sub-agents it spawned with their status; and the last messages the model had in context then (a compaction drops the messages before its first kept entry).
The point: atSeq (after the events with seq <= atSeq, the seq session_events shows) or at (after every event stamped at or before that time), not both; neither means now.
Example: {}  (your own session, now)
Example: {"atSeq": 12, "lastMessages": 5}
Example: {"sessionKey": "agent:main:subagent:5f0c…", "at": "30m"}
Fields:
- sessionKey: a key, a session id, or "current" (default). Example: "agent:main:main"
- atSeq: integer >= 0. Example: 12
- at: ISO-8601, epoch ms, or a duration before now. Example: "2026-11-18T09:05:00Z"
- lastMessages: 0 to 50, default 10. Example: 3
- generations: "current" (default) or "all" (the key's earlier transcripts first; each new one starts with an empty context). Example: "all"
Only events at or below your clearance count (hiddenByVisibility says how many did not); text is cut and credential-like strings redacted as in session_events; a child's status is shown only for sessions you can see ("unknown" otherwise).`,
  inputSchema: SessionStateInputSchema,
  outputSchema: SessionStateSchema,
  run: (ctx, input) => querySessionState(ctx, input),
});
