/**
 * An error caused by the caller's input or permissions. Its message is shown to the caller as is,
 * so it must say what was wrong and what is accepted, and must not reveal what the caller may not see.
 */
export class QueryError extends Error {
  override readonly name = "QueryError";
}

/** A session that does not exist or is outside the caller's scope (a surface may answer it as "not found"). */
export class NoSuchSession extends QueryError {}

/** The one answer for a session that does not exist and a session outside the caller's scope. */
export function noSuchSession(key: string): QueryError {
  return new NoSuchSession(
    `No session ${JSON.stringify(key)} visible to you. Use sessions_events with a pattern (for example "agent:main:*") to see which sessions you can read.`,
  );
}
