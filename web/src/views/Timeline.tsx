import { useEffect, useMemo, useState } from "preact/hooks";
import type { SessionEvent } from "../../../src/contract/event.js";
import type { SessionRow } from "../../../src/contract/http.js";
import { api } from "../api.js";
import { ErrorNote } from "../components/ErrorNote.js";
import { TypeFilter } from "../components/TypeFilter.js";
import { parseTypes } from "../event-types.js";
import { formatDuration, formatTime } from "../format.js";
import { href, replaceRoute, type Route } from "../route.js";
import { followEvents } from "../sse.js";
import { isError, loadTimeline, mergeEvents, resultsByCall, summary, TIMELINE_CAP } from "../timeline-data.js";

function Payload({ event }: { event: SessionEvent }) {
  return <pre class="payload">{JSON.stringify(event.payload, null, 2)}</pre>;
}

function EventRow({ event, result, focused, sessionKey, types }: { event: SessionEvent; result?: SessionEvent; focused: boolean; sessionKey: string; types: string }) {
  const child = event.type === "spawn" && typeof event.payload.childSessionKey === "string" ? event.payload.childSessionKey : undefined;
  const duration = formatDuration((result ?? event).payload.durationMs);
  const failed = isError(event) || (result !== undefined && isError(result));
  return (
    <li id={`seq-${event.seq}`} class={`event type-${event.type}${failed ? " failed" : ""}${focused ? " focused" : ""}`} data-id={event.id} data-type={event.type}>
      <a class="seq" href={href("timeline", sessionKey, { types, seq: event.seq })} aria-label={`#${event.seq}: link to this event`}>#{event.seq}</a>
      <details open={focused}>
        <summary>
          <time dateTime={event.time}>{formatTime(event.timestamp)}</time>
          <span class="badge">{event.type}</span>
          {duration && <span class="duration">{duration}</span>}
          <span class="summary">{summary(event)}</span>
        </summary>
        {result ? (
          <div class="call-and-result">
            <div>
              <h3>call</h3>
              <Payload event={event} />
            </div>
            <div>
              <h3>{result.type === "tool_error" ? "error" : "result"} (#{result.seq})</h3>
              <Payload event={result} />
            </div>
          </div>
        ) : (
          <Payload event={event} />
        )}
        {child && (
          <p>
            Child session: <a href={href("timeline", child)}>{child}</a>
          </p>
        )}
      </details>
    </li>
  );
}

export function Timeline({ route }: { route: Route }) {
  const key = route.key ?? "";
  const typesParam = route.params.get("types") ?? "";
  const types = useMemo(() => parseTypes(typesParam), [typesParam]);
  const seq = Number(route.params.get("seq") ?? NaN);
  const [events, setEvents] = useState<SessionEvent[]>();
  const [capped, setCapped] = useState(false);
  const [row, setRow] = useState<SessionRow>();
  const [error, setError] = useState<Error>();
  const [live, setLive] = useState("connecting");

  useEffect(() => {
    const controller = new AbortController();
    let stop = () => undefined as void;
    setEvents(undefined);
    setError(undefined);
    api.sessions(controller.signal, { sessionKey: key }).then((rows) => setRow(rows.find((r) => r.key === key)), () => undefined);
    loadTimeline(key, types, controller.signal).then(
      (loaded) => {
        setEvents(loaded.events);
        setCapped(loaded.capped);
        // from the last event held on (replayed events already held are dropped), so nothing falls between
        const since = String(loaded.events.at(-1)?.timestamp ?? Date.now());
        if (controller.signal.aborted) return;
        stop = followEvents({ sessionKey: key, types: types.join(",") || undefined, since }, {
          onEvent: (event) => setEvents((held) => mergeEvents(held ?? [], [event])),
          onStatus: (status, detail) => setLive(detail ? `${status}: ${detail}` : status),
        });
      },
      (e: Error) => e.name !== "AbortError" && setError(e),
    );
    return () => {
      controller.abort();
      stop();
    };
  }, [key, typesParam]);

  useEffect(() => {
    if (events && Number.isFinite(seq)) document.getElementById(`seq-${seq}`)?.scrollIntoView({ block: "center" });
  }, [events === undefined, seq]);

  const results = useMemo(() => resultsByCall(events ?? []), [events]);
  const parent = row?.spawnedBy ?? undefined;
  return (
    <section aria-labelledby="timeline-title">
      <h1 id="timeline-title">
        Timeline <span class="mono">{key}</span>
      </h1>
      <nav class="session-links" aria-label="related">
        {parent && (
          <a href={href("timeline", parent)}>
            ↑ parent {parent}
          </a>
        )}
        <a href={href("state", key, Number.isFinite(seq) ? { seq } : {})}>Time travel in this session</a>
        <span role="status" class="live-status">live: {live}</span>
      </nav>
      <TypeFilter selected={types} onChange={(next) => replaceRoute(href("timeline", key, { types: next.join(",") }))} />
      <ErrorNote error={error} />
      {!events && !error && <p role="status">Loading events…</p>}
      {events && (
        <>
          <p class="count" data-testid="event-count">
            {events.length} event{events.length === 1 ? "" : "s"}
            {capped ? ` (the first ${TIMELINE_CAP}; narrow the types to see others)` : ""}
          </p>
          <ol class="timeline" aria-label="events in order">
            {events.map((event) => (
              <EventRow
                key={event.id}
                event={event}
                result={event.type === "tool_call" ? results.get(String(event.payload.toolCallId)) : undefined}
                focused={event.seq === seq}
                sessionKey={key}
                types={typesParam}
              />
            ))}
          </ol>
        </>
      )}
    </section>
  );
}
