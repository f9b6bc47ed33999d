import { useEffect, useRef } from "preact/hooks";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";

export type ChartSeries = { label: string; values: (number | null)[]; color: string; axis: "left" | "right"; bars?: boolean };
export type ChartData = { x: number[]; categories?: string[]; series: ChartSeries[]; leftUnit: string; rightUnit?: string };

/**
 * One uPlot chart, with its numbers as a table beside it (for screen readers and for checking). With
 * `categories`, x is their index and the axis shows their names; otherwise x is epoch seconds.
 */
export function Chart({ id, title, data }: { id: string; title: string; data: ChartData }) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const element = box.current;
    if (!element || data.x.length === 0) return;
    const ink = getComputedStyle(element).color;
    const grid = { stroke: "rgba(128,128,128,0.25)", width: 1 };
    const axis = (scale: string, unit: string, side?: 1) => ({ scale, label: unit, stroke: ink, grid: side ? { show: false } : grid, ticks: grid, ...(side ? { side } : {}) });
    const categories = data.categories;
    const plot = new uPlot(
      {
        width: Math.max(280, element.clientWidth),
        height: 240,
        legend: { show: true },
        scales: {
          x: categories ? { time: false, range: [-0.5, categories.length - 0.5] } : { time: true },
          // from zero, so that bars compare truthfully
          left: { range: (_u, _min, max) => [0, max > 0 ? max * 1.1 : 1] },
          right: { range: (_u, _min, max) => [0, max > 0 ? max * 1.1 : 1] },
        },
        axes: [
          { stroke: ink, grid, ticks: grid, ...(categories ? { splits: () => categories.map((_, i) => i), values: () => categories, rotate: -30, size: 70 } : {}) },
          axis("left", data.leftUnit),
          ...(data.rightUnit ? [axis("right", data.rightUnit, 1 as const)] : []),
        ],
        series: [
          { label: categories ? "name" : "time" },
          ...data.series.map((s) => ({
            label: s.label,
            scale: s.axis,
            stroke: s.color,
            width: 2,
            fill: s.bars ? `${s.color}99` : undefined,
            // between categories a line would mean nothing: points only
            paths: s.bars ? uPlot.paths.bars!({ size: [0.6, 60] }) : categories ? () => null : undefined,
            points: { show: true, size: 7, fill: s.color },
          })),
        ],
      },
      [data.x, ...data.series.map((s) => s.values)] as uPlot.AlignedData,
      element,
    );
    const observer = new ResizeObserver(() => plot.setSize({ width: Math.max(280, element.clientWidth), height: 240 }));
    observer.observe(element);
    return () => {
      observer.disconnect();
      plot.destroy();
    };
  }, [data]);
  const names = data.categories ?? data.x.map((t) => new Date(t * 1000).toISOString().replace(":00.000Z", "Z"));
  return (
    <figure class="chart" id={id} data-chart={id} data-series={JSON.stringify({ x: names, series: data.series.map((s) => ({ label: s.label, color: s.color, values: s.values })) })}>
      <figcaption>{title}</figcaption>
      {data.x.length === 0 ? <p>No data in this window.</p> : <div ref={box} class="plot" role="img" aria-label={`${title}: chart; the table below has its numbers`} />}
      <details>
        <summary>Numbers</summary>
        <table>
          <thead>
            <tr>
              <th scope="col">{data.categories ? "name" : "time (UTC)"}</th>
              {data.series.map((s) => (
                <th scope="col" key={s.label}>{s.label}</th>
              ))}
            </tr>
          </thead>
          <tbody>
            {names.map((name, i) => (
              <tr key={name}>
                <th scope="row">{name}</th>
                {data.series.map((s) => (
                  <td key={s.label}>{s.values[i] ?? "—"}</td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </details>
    </figure>
  );
}
