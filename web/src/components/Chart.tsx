import { useEffect, useRef } from "react";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import { useTheme } from "../theme";

export interface Line {
  label: string;
  values: (number | null)[];
  color?: string;
  /** joins the points across empty (null) buckets instead of breaking the line */
  spanGaps?: boolean;
}

const palette = ["#2f7d5b", "#c2572f", "#3b6fd1", "#a64bbf", "#b8901f", "#1f9aa8"];

/**
 * Chart draws series over time (x: unix seconds) with uPlot, sized to its box and coloured
 * for the theme; `bars` draws columns (counts per bucket) instead of lines.
 */
export function Chart({ x, lines, label, height = 220, bars, format }: { x: number[]; lines: Line[]; label: string; height?: number; bars?: boolean; format?: (v: number) => string }) {
  const box = useRef<HTMLDivElement>(null);
  const { theme } = useTheme();
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const ink = theme === "dark" ? "#c9d1d9" : "#333";
    const grid = theme === "dark" ? "#30363d" : "#e5e5e5";
    const axis = { stroke: ink, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid } };
    const opts: uPlot.Options = {
      width: el.clientWidth || 600,
      height,
      scales: { x: { time: true } },
      axes: [axis, { ...axis, size: 70, values: format ? (_u, vals) => vals.map(format) : undefined }],
      legend: { show: true },
      series: [
        {},
        ...lines.map((l, i) => ({
          label: l.label,
          stroke: l.color ?? palette[i % palette.length],
          fill: bars ? (l.color ?? palette[i % palette.length]) + "aa" : undefined,
          width: 2,
          spanGaps: l.spanGaps,
          points: l.spanGaps ? { show: true, size: 6 } : undefined,
          paths: bars ? uPlot.paths.bars!({ size: [0.8, 40] }) : undefined,
          value: format ? (_u: uPlot, v: number | null) => (v === null ? "—" : format(v)) : undefined,
        })),
      ],
    };
    const plot = new uPlot(opts, [x, ...lines.map((l) => l.values)] as uPlot.AlignedData, el);
    const ro = new ResizeObserver(() => plot.setSize({ width: el.clientWidth, height }));
    ro.observe(el);
    return () => {
      ro.disconnect();
      plot.destroy();
    };
  }, [x, lines, theme, height, bars, format]);
  return <div ref={box} className="chart" role="img" aria-label={label} />;
}
