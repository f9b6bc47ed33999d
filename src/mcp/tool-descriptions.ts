/** Shared text for the tool descriptions: what an event is and what each type's payload holds. */
export const EVENT_GUIDE = `Events: {id, seq, timestamp (epoch ms), time (ISO), agent, session (key), sessionId, type, visibility, payload}.
Types and payloads:
- session_start {cwd?, version?} | session_end {status, runtimeMs?} (alias "complete")
- message {role, text, model?, provider?, stopReason?, usage?, thinking?}
- tool_call {toolCallId, toolName, args} | tool_result / tool_error {toolCallId, toolName, text, durationMs?}
- spawn {childSessionKey, runId?, task?, label?, agentId?, model?}
- model_switch {from, to, reason} | compaction {tokensBefore, summaryChars, firstKeptEntryId}
- state_change {key, value} | custom {kind} | error {message}
Paging: pass the returned nextCursor (alone is enough) for the next page; hasMore says whether more exist now. The last page also has a cursor: call again later with it to get only what was appended since.
Long text is cut (truncated: true), credential-like strings are redacted (redacted: true), image data is never returned, and events above your clearance are left out (counted in hiddenByVisibility).`;
