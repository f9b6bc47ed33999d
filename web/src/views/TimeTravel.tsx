import { useEffect, useState } from "preact/hooks";
import type { SessionState } from "../../../src/contract/session-state.js";
import { api } from "../api.js";
import { ErrorNote } from "../components/ErrorNote.js";
import { formatCost, formatNumber } from "../format.js";
import { href, replaceRoute, type Route } from "../route.js";

const counts = (record: Record<string, number>) =>
  Object.entries(record)
    .map(([name, n]) => `${name} ${n}`)
    .join(", ") || "none";

function StateView({ state }: { state: SessionState }) {
  return (
    <dl class="state" data-testid="state">
      <dt>At seq</dt>
      <dd data-field="seq">{state.seq}</dd>
      <dt>Time</dt>
      <dd data-field="time">{state.time ?? "—"}</dd>
      <dt>Model</dt>
      <dd data-field="model">{state.model ? `${state.model.provider ?? "?"}/${state.model.model}` : "—"}</dd>
      <dt>Messages</dt>
      <dd data-field="messages">{counts(state.totals.messages)}</dd>
      <dt>Tool calls</dt>
      <dd data-field="toolCalls">{counts(state.totals.toolCalls)}</dd>
      <dt>Tool errors</dt>
      <dd data-field="toolErrors">{counts(state.totals.toolErrors)}</dd>
      <dt>Tokens</dt>
      <dd data-field="tokens">{formatNumber(state.totals.tokens.total)}</dd>
      <dt>Cost</dt>
      <dd data-field="cost">{formatCost(state.totals.costUsd)}</dd>
      <dt>Messages in context</dt>
      <dd data-field="messagesInContext">{state.messagesInContext}</dd>
      <dt>Compactions</dt>
      <dd>{state.compactions.count}</dd>
      <dt>Sub-agents spawned</dt>
      <dd>
        {state.spawned.count}
        {state.spawned.children.map((c) => (
          <span key={c.childSessionKey}>
            {" "}
            <a href={href("timeline", c.childSessionKey)}>{c.label ?? c.childSessionKey}</a> ({c.status})
          </span>
        ))}
      </dd>
      <dt>Ended</dt>
      <dd>{state.ended ? state.ended.status : "no"}</dd>
      {state.lastError && (
        <>
          <dt>Last error</dt>
          <dd class="failed">#{state.lastError.seq}: {state.lastError.message}</dd>
        </>
      )}
      <dt>Last messages</dt>
      <dd>
        <ol class="context-messages">
          {state.lastMessages.map((m) => (
            <li key={m.id}>
              <strong>{m.role}</strong> #{m.seq}: {m.text}
            </li>
          ))}
        </ol>
      </dd>
    </dl>
  );
}

export function TimeTravel({ route }: { route: Route }) {
  const key = route.key ?? "";
  const [lastSeq, setLastSeq] = useState<number>();
  const asked = Number(route.params.get("seq") ?? NaN);
  const seq = Number.isFinite(asked) ? asked : (lastSeq ?? 0);
  const [state, setState] = useState<SessionState>();
  const [error, setError] = useState<Error>();

  useEffect(() => {
    const controller = new AbortController();
    api.sessionEvents(key, { order: "desc", limit: 1, fields: ["seq"] }, controller.signal).then(
      (page) => setLastSeq(page.events[0]?.seq ?? 0),
      (e: Error) => e.name !== "AbortError" && setError(e),
    );
    return () => controller.abort();
  }, [key]);

  useEffect(() => {
    if (lastSeq === undefined) return;
    const controller = new AbortController();
    const timer = setTimeout(() => {
      api.state(key, seq, controller.signal).then(
        (answer) => {
          setError(undefined);
          setState(answer);
        },
        (e: Error) => e.name !== "AbortError" && setError(e),
      );
    }, 80);
    return () => {
      clearTimeout(timer);
      controller.abort();
    };
  }, [key, seq, lastSeq]);

  const go = (next: number) => replaceRoute(href("state", key, { seq: Math.max(0, Math.min(lastSeq ?? 0, next)) }));
  return (
    <section aria-labelledby="state-title">
      <h1 id="state-title">
        Time travel <span class="mono">{key}</span>
      </h1>
      <nav class="session-links" aria-label="related">
        <a href={href("timeline", key, { seq })}>Timeline at this point</a>
      </nav>
      <ErrorNote error={error} />
      {lastSeq !== undefined && (
        <div class="travel-controls">
          <button type="button" onClick={() => go(seq - 1)} disabled={seq <= 0} aria-label="one event back">◀</button>
          <label for="seq-slider">Event seq</label>
          <input id="seq-slider" type="range" min={0} max={lastSeq} step={1} value={seq} onInput={(e) => go(Number(e.currentTarget.value))} />
          <output for="seq-slider" data-testid="seq-output">
            {seq} / {lastSeq}
          </output>
          <button type="button" onClick={() => go(seq + 1)} disabled={seq >= lastSeq} aria-label="one event forward">▶</button>
        </div>
      )}
      {state && <StateView state={state} />}
    </section>
  );
}
