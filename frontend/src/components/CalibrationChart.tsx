import { useId } from 'react';
import type { CalibrationBin } from '../api/types';
import { formatPercent } from '../format';
import { t } from '../strings';

// Plot geometry, in SVG user units: a square plot, a row of counts under the x axis (one per bin, at
// the bin's centre, so labels can never overlap a point or each other), then the axis labels.
const LEFT = 48;
const TOP = 16; // room for the largest point (r 12) at 100%
const PLOT = 300;
const RIGHT = 16;
const COUNT_ROW = 22;
const TICK_ROW = 20;
const AXIS_ROW = 22;
const WIDTH = LEFT + PLOT + RIGHT;
const HEIGHT = TOP + PLOT + TICK_ROW + COUNT_ROW + AXIS_ROW;
const TICKS = [0, 0.2, 0.4, 0.6, 0.8, 1];

const x = (value: number) => LEFT + value * PLOT;
const y = (value: number) => TOP + (1 - value) * PLOT;

/** Point radius: area grows with the count; never so large it covers a neighbouring bin's point. */
function radius(count: number, largest: number): number {
  if (largest <= 0) return 5;
  return 4 + 8 * Math.sqrt(count / largest);
}

export function binLabel(bin: CalibrationBin): string {
  return `${Math.round(bin.lower * 100)}–${Math.round(bin.upper * 100)}%`;
}

function filled(bins: CalibrationBin[]) {
  return bins.filter((bin) => bin.count > 0 && bin.mean_forecast !== null && bin.observed_rate !== null);
}

/** Where each non-empty bin's point is, in words (the chart's description and its table agree). */
export function describePoints(bins: CalibrationBin[]): string {
  const points = filled(bins);
  if (points.length === 0) return t.chart.noPoints;
  return points.map((bin) => t.chart.point(binLabel(bin), bin.count, formatPercent(bin.mean_forecast!), formatPercent(bin.observed_rate!))).join(' ');
}

/**
 * Calibration: for each of the ten bins of chance, a point at the mean chance in the bin (x) against
 * the share of its calls that came true (y), sized by how many calls it holds; the counts sit in their
 * own row under the axis. The table below says the same for screen readers and for anyone who prefers
 * numbers.
 */
export function CalibrationChart({ bins }: { bins: CalibrationBin[] }) {
  const titleId = useId();
  const descId = useId();
  const points = filled(bins);
  const largest = Math.max(0, ...points.map((bin) => bin.count));
  const countY = TOP + PLOT + TICK_ROW + 14;

  return (
    <div className="calibration">
      <svg className="calibration-chart" viewBox={`0 0 ${WIDTH} ${HEIGHT}`} role="img" aria-labelledby={`${titleId} ${descId}`}>
        <title id={titleId}>{t.chart.title}</title>
        <desc id={descId}>
          {t.chart.desc} {describePoints(bins)}
        </desc>

        <g className="grid" aria-hidden="true">
          {TICKS.map((tick) => (
            <g key={tick}>
              <line x1={x(tick)} y1={y(0)} x2={x(tick)} y2={y(1)} />
              <line x1={x(0)} y1={y(tick)} x2={x(1)} y2={y(tick)} />
              <text className="tick" x={x(tick)} y={y(0) + 15} textAnchor={tick === 0 ? 'start' : tick === 1 ? 'end' : 'middle'}>
                {Math.round(tick * 100)}%
              </text>
              <text className="tick" x={x(0) - 5} y={y(tick) + 4} textAnchor="end">
                {Math.round(tick * 100)}%
              </text>
            </g>
          ))}
          <rect className="frame" x={x(0)} y={y(1)} width={PLOT} height={PLOT} />
        </g>

        <line className="diagonal" x1={x(0)} y1={y(0)} x2={x(1)} y2={y(1)} aria-hidden="true" />
        <text
          className="diagonal-label"
          x={x(0.62)}
          y={y(0.62) + 14}
          textAnchor="middle"
          transform={`rotate(-45 ${x(0.62)} ${y(0.62) + 14})`}
          aria-hidden="true"
        >
          {t.chart.diagonal}
        </text>

        <g className="points" aria-hidden="true">
          {points.map((bin) => (
            <circle key={bin.lower} cx={x(bin.mean_forecast!)} cy={y(bin.observed_rate!)} r={radius(bin.count, largest)} />
          ))}
        </g>

        <g className="counts" aria-hidden="true">
          <text className="count-label" x={x(0) - 5} y={countY} textAnchor="end">
            n
          </text>
          {bins.map((bin) => (
            <text key={bin.lower} className={bin.count > 0 ? 'count' : 'count count-empty'} x={x((bin.lower + bin.upper) / 2)} y={countY} textAnchor="middle">
              {bin.count > 0 ? bin.count : '·'}
            </text>
          ))}
        </g>

        <text className="axis-label" x={x(0.5)} y={HEIGHT - 6} textAnchor="middle" aria-hidden="true">
          {t.chart.xAxis}
        </text>
        <text className="axis-label" x={12} y={y(0.5)} textAnchor="middle" transform={`rotate(-90 12 ${y(0.5)})`} aria-hidden="true">
          {t.chart.yAxis}
        </text>
      </svg>

      <table className="calibration-table">
        <caption>{t.chart.table}</caption>
        <thead>
          <tr>
            <th scope="col">{t.chart.binColumn}</th>
            <th scope="col">{t.chart.callsColumn}</th>
            <th scope="col">{t.chart.meanColumn}</th>
            <th scope="col">{t.chart.rateColumn}</th>
          </tr>
        </thead>
        <tbody>
          {bins.map((bin) => (
            <tr key={bin.lower} className={bin.count === 0 ? 'empty' : undefined}>
              <th scope="row">{binLabel(bin)}</th>
              <td>{bin.count}</td>
              <td>{bin.mean_forecast === null ? '—' : formatPercent(bin.mean_forecast)}</td>
              <td>{bin.observed_rate === null ? '—' : formatPercent(bin.observed_rate)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
