import { useQuery } from '@tanstack/react-query';
import { useEffect, useRef, useState } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { MetricName, Series } from '../../devices/devices-view.js';
import { api, failureMessage } from '../api.js';
import { When } from '../when.js';
import { FLAG_WORDS, METRIC_DISPLAY, RANGES, yRange } from './metric-display.js';

/** The accepted line and the quarantined points on one time axis, as uPlot wants them. */
function plotData(s: Series): uPlot.AlignedData {
  const times = [...new Set([...s.points.map((p) => p[0]), ...s.quarantined.map((q) => q.t)])].sort(
    (a, b) => a - b,
  );
  const accepted = new Map(s.points.map((p) => [p[0], p[1]]));
  const held = new Map(s.quarantined.map((q) => [q.t, q.v]));
  return [times, times.map((t) => accepted.get(t) ?? null), times.map((t) => held.get(t) ?? null)];
}

function Plot({ series, metric }: { series: Series; metric: MetricName }) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = box.current;
    if (el === null) return;
    const display = METRIC_DISPLAY[metric];
    const values = [...series.points.map((p) => p[1]), ...series.quarantined.map((q) => q.v)];
    const plot = new uPlot(
      {
        width: Math.max(280, el.clientWidth),
        height: 220,
        ms: 1,
        scales: { x: { time: true }, y: { range: () => yRange(metric, values) } },
        axes: [{}, { label: display.unit, size: 60 }],
        series: [
          {},
          { label: `${display.label} (accepted)`, stroke: '#15355c', width: 1.5, spanGaps: false },
          {
            label: 'Quarantined',
            stroke: '#c0392b',
            width: 0,
            points: { show: true, size: 8, fill: '#c0392b', stroke: '#c0392b' },
          },
        ],
        legend: { show: true },
      },
      plotData(series),
      el,
    );
    const resize = new ResizeObserver(() =>
      plot.setSize({ width: Math.max(280, el.clientWidth), height: 220 }),
    );
    resize.observe(el);
    return () => {
      resize.disconnect();
      plot.destroy();
    };
  }, [series, metric]);
  return <div ref={box} className="uplot-box" />;
}

/**
 * One metric of one participant over a chosen range (issue #15 item 9): a time axis in the viewer's
 * zone, the unit in words, a range per metric, and every quarantined point listed with its reasons.
 */
export function SeriesChart({ participantId, metric }: { participantId: string; metric: MetricName }) {
  const [range, setRange] = useState<number>(RANGES[0].ms);
  const [to] = useState(() => Date.now());
  const from = to - range;
  const series = useQuery({
    queryKey: ['series', participantId, metric, range],
    queryFn: () =>
      api<Series>(
        'GET',
        `/api/v1/participants/${participantId}/telemetry?metric=${metric}&points=600&from=${from}&to=${to}`,
      ),
  });
  const display = METRIC_DISPLAY[metric];
  const pick = (
    <label className="inline">
      Range{' '}
      <select
        aria-label={`${display.label} range`}
        value={range}
        onChange={(e) => setRange(Number(e.target.value))}
      >
        {RANGES.map((r) => (
          <option key={r.ms} value={r.ms}>
            {r.label}
          </option>
        ))}
      </select>
    </label>
  );
  if (series.isPending) return <p>Loading {display.label}…</p>;
  if (series.isError)
    return (
      <p className="muted">
        {display.label}: {failureMessage(series.error)}
      </p>
    );
  const s = series.data;
  const empty = s.total === 0 && s.quarantined.length === 0;
  return (
    <figure className="chart" aria-label={`${display.label} chart`}>
      <figcaption>
        <strong>{display.label}</strong> ({display.unit}): {s.total} accepted samples
        {s.downsampled ? ' (lowest and highest per interval shown)' : ''}, {s.quarantined.length} quarantined.{' '}
        {pick}
      </figcaption>
      {empty ? <p className="muted">No data in this range.</p> : <Plot series={s} metric={metric} />}
      {s.quarantined.length > 0 && (
        <div className="table-scroll">
          <table aria-label={`${display.label} quarantined samples`}>
            <caption>Quarantined samples (kept, never used as accepted data)</caption>
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Value</th>
                <th scope="col">Why</th>
              </tr>
            </thead>
            <tbody>
              {s.quarantined.slice(0, 50).map((q) => (
                <tr key={q.t}>
                  <td>
                    <When at={new Date(q.t).toISOString()} />
                  </td>
                  <td>
                    {q.v} {display.unit}
                  </td>
                  <td>{q.flags.map((f) => FLAG_WORDS[f] ?? f).join('; ')}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {s.quarantined.length > 50 && <p className="muted">and {s.quarantined.length - 50} more.</p>}
        </div>
      )}
    </figure>
  );
}
