import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import type { SessionEvent } from "../../../src/contract/event.js";
import { TypeFilter } from "../components/TypeFilter.js";
import { parseTypes } from "../event-types.js";
import { formatTime } from "../format.js";
import { href, replaceRoute, type Route } from "../route.js";
import { followEvents } from "../sse.js";
import { isError, summary } from "../timeline-data.js";

/** The tail keeps this many events (newest first). */
const KEEP = 500;

export function Live({ route }: { route: Route }) {
  const key = route.params.get("key") ?? "";
  const typesParam = route.params.get("types") ?? "";
  const types = useMemo(() => parseTypes(typesParam), [typesParam]);
  const [events, setEvents] = useState<SessionEvent[]>([]);
  const [paused, setPaused] = useState(false);
  const [status, setStatus] = useState("connecting");
  const held = useRef<SessionEvent[]>([]);
  const pausedRef = useRef(paused);
  pausedRef.current = paused;
  const [heldCount, setHeldCount] = useState(0);

  useEffect(() => {
    setEvents([]);
    held.current = [];
    setHeldCount(0);
    return followEvents(
      { sessionKey: key || undefined, types: typesParam || undefined },
      {
        onEvent: (event) => {
          if (pausedRef.current) {
            held.current.push(event);
            setHeldCount(held.current.length);
          } else setEvents((shown) => [event, ...shown].slice(0, KEEP));
        },
        onStatus: (next, detail) => setStatus(detail ? `${next}: ${detail}` : next),
      },
    );
  }, [key, typesParam]);

  const toggle = () => {
    if (paused) {
      const waiting = held.current.reverse();
      held.current = [];
      setHeldCount(0);
      setEvents((shown) => [...waiting, ...shown].slice(0, KEEP));
    }
    setPaused(!paused);
  };
  const setFilter = (params: { key?: string; types?: string }) => replaceRoute(href("live", undefined, { key, types: typesParam, ...params }));
  return (
    <section aria-labelledby="live-title">
      <h1 id="live-title">Live</h1>
      <div class="live-controls">
        <button type="button" onClick={toggle} aria-pressed={paused}>
          {paused ? `Resume (${heldCount} waiting)` : "Pause"}
        </button>
        <label>
          Key pattern
          <input name="key" value={key} placeholder="agent:main:*" onChange={(e) => setFilter({ key: e.currentTarget.value })} />
        </label>
        <span role="status" class="live-status">stream: {status}</span>
      </div>
      <TypeFilter selected={types} onChange={(next) => setFilter({ types: next.join(",") })} />
      <ol class="timeline live" aria-label="new events, newest first" aria-live="polite">
        {events.length === 0 && <li class="empty">Waiting for new events…</li>}
        {events.map((event) => (
          <li key={event.id} class={`event type-${event.type}${isError(event) ? " failed" : ""}`} data-id={event.id} data-type={event.type}>
            <time dateTime={event.time}>{formatTime(event.timestamp)}</time>
            <a href={href("timeline", event.session, { seq: event.seq })}>
              {event.session} #{event.seq}
            </a>
            <span class="badge">{event.type}</span>
            <span class="summary">{summary(event)}</span>
          </li>
        ))}
      </ol>
    </section>
  );
}
