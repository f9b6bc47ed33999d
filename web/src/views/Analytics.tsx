import { useEffect, useState } from "preact/hooks";
import { api } from "../api.js";
import { eventsPerHour, tokensAndCost, toolHealth } from "../analytics-data.js";
import { Chart, type ChartData } from "../components/Chart.js";
import { ErrorNote } from "../components/ErrorNote.js";
import { href, replaceRoute, type Route } from "../route.js";

const WINDOWS = { "": "all time", "24h": "last 24 hours", "7d": "last 7 days", "30d": "last 30 days", "90d": "last 90 days" } as const;
/** groupBy answers hold at most this many groups. */
const LIMIT = 500;

type Charts = { hourly: ChartData; byModel: ChartData; byDay: ChartData; tools: ChartData };

async function loadCharts(since: string, signal: AbortSignal): Promise<Charts> {
  const window = { since: since || undefined, limit: LIMIT };
  const [hour, model, day, tool] = await Promise.all([
    api.events({ ...window, groupBy: ["hour"] }, signal),
    api.events({ ...window, groupBy: ["model"], types: ["message"] }, signal),
    api.events({ ...window, groupBy: ["day"], types: ["message"] }, signal),
    api.events({ ...window, groupBy: ["tool"], types: ["tool_result", "tool_error"] }, signal),
  ]);
  return {
    hourly: eventsPerHour(hour.groups ?? []),
    byModel: tokensAndCost(model.groups ?? [], "model"),
    byDay: tokensAndCost(day.groups ?? [], "day"),
    tools: toolHealth(tool.groups ?? []),
  };
}

export function Analytics({ route }: { route: Route }) {
  const since = route.params.get("since") ?? "";
  const [charts, setCharts] = useState<Charts>();
  const [error, setError] = useState<Error>();
  useEffect(() => {
    const controller = new AbortController();
    setError(undefined);
    loadCharts(since, controller.signal).then(setCharts, (e: Error) => e.name !== "AbortError" && setError(e));
    return () => controller.abort();
  }, [since]);
  return (
    <section aria-labelledby="analytics-title">
      <h1 id="analytics-title">Analytics</h1>
      <label class="window">
        Window
        <select value={since} onChange={(e) => replaceRoute(href("analytics", undefined, { since: e.currentTarget.value }))}>
          {Object.entries(WINDOWS).map(([value, label]) => (
            <option key={value} value={value}>{label}</option>
          ))}
        </select>
      </label>
      <ErrorNote error={error} />
      {!charts && !error && <p role="status">Counting…</p>}
      {charts && (
        <div class="charts">
          <Chart id="events-per-hour" title="Events and errors per hour" data={charts.hourly} />
          <Chart id="tokens-by-model" title="Tokens and cost by model" data={charts.byModel} />
          <Chart id="tokens-by-day" title="Tokens and cost by day" data={charts.byDay} />
          <Chart id="tools" title="Tool error rate and duration (p50, p95) by tool" data={charts.tools} />
        </div>
      )}
    </section>
  );
}
