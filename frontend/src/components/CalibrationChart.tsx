import { useId } from 'react';
import { formatPercent } from '../format';
import type { CalibrationBin } from '../types/verification';

// Plot geometry, in SVG user units: a square plot with room for the axis labels.
const SIZE = 360;
const LEFT = 56;
const TOP = 16;
const BOTTOM = 52;
const PLOT = SIZE - TOP - BOTTOM; // square: the same span across
const TICKS = [0, 0.2, 0.4, 0.6, 0.8, 1];

const WIDTH = LEFT + PLOT + 16;

const x = (value: number) => LEFT + value * PLOT;
const y = (value: number) => TOP + (1 - value) * PLOT;

/** Point radius: area grows with the count, within readable bounds. */
function radius(count: number, largest: number): number {
  if (largest <= 0) return 5;
  return 5 + 9 * Math.sqrt(count / largest);
}

export function binLabel(bin: CalibrationBin): string {
  const upper = Math.round(bin.upper * 100);
  return `${Math.round(bin.lower * 100)}–${upper}%`;
}

function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? '' : 's'}`;
}

/** Where each non-empty bin's point is, in words (the chart's description and its table agree). */
export function describePoints(bins: CalibrationBin[]): string {
  const points = bins.filter((bin) => bin.count > 0 && bin.mean_forecast !== null && bin.observed_rate !== null);
  if (points.length === 0) return 'No points yet: no resolved call has a confidence.';
  return points
    .map(
      (bin) =>
        `${binLabel(bin)}: ${plural(bin.count, 'call')}, mean confidence ${formatPercent(bin.mean_forecast!)}, ` +
        `${formatPercent(bin.observed_rate!)} came true.`,
    )
    .join(' ');
}

/**
 * Calibration: for each of the ten confidence bins, a point at the mean confidence in the bin (x)
 * against the share of its calls that came true (y), sized and labelled by how many calls it holds.
 * On the diagonal you are perfectly calibrated. The table below says the same for screen readers
 * and for anyone who prefers numbers.
 */
export function CalibrationChart({ bins }: { bins: CalibrationBin[] }) {
  const titleId = useId();
  const descId = useId();
  const points = bins.filter((bin) => bin.count > 0 && bin.mean_forecast !== null && bin.observed_rate !== null);
  const largest = Math.max(0, ...points.map((bin) => bin.count));

  return (
    <div className="calibration">
      <svg
        className="calibration-chart"
        viewBox={`0 0 ${WIDTH} ${SIZE}`}
        role="img"
        aria-labelledby={`${titleId} ${descId}`}
      >
        <title id={titleId}>Calibration chart</title>
        <desc id={descId}>
          How often your calls came true against how confident you were, in ten bins of confidence. The diagonal
          is perfect calibration. {describePoints(bins)}
        </desc>

        <g className="grid" aria-hidden="true">
          {TICKS.map((tick) => (
            <g key={tick}>
              <line x1={x(tick)} y1={y(0)} x2={x(tick)} y2={y(1)} />
              <line x1={x(0)} y1={y(tick)} x2={x(1)} y2={y(tick)} />
              <text className="tick" x={x(tick)} y={y(0) + 16} textAnchor="middle">
                {Math.round(tick * 100)}%
              </text>
              <text className="tick" x={x(0) - 6} y={y(tick) + 4} textAnchor="end">
                {Math.round(tick * 100)}%
              </text>
            </g>
          ))}
          <rect className="frame" x={x(0)} y={y(1)} width={PLOT} height={PLOT} />
        </g>

        <line className="diagonal" x1={x(0)} y1={y(0)} x2={x(1)} y2={y(1)} aria-hidden="true" />
        <text
          className="diagonal-label"
          x={x(0.7) + 8}
          y={y(0.7) + 8}
          textAnchor="middle"
          dominantBaseline="hanging"
          transform={`rotate(-45 ${x(0.7) + 8} ${y(0.7) + 8})`}
          aria-hidden="true"
        >
          perfect calibration
        </text>

        <g className="points" aria-hidden="true">
          {points.map((bin) => {
            const cx = x(bin.mean_forecast!);
            const cy = y(bin.observed_rate!);
            const r = radius(bin.count, largest);
            const labelLeft = cx > x(0.85);
            return (
              <g key={bin.lower} className="point">
                <circle cx={cx} cy={cy} r={r} />
                <text
                  className="count"
                  x={labelLeft ? cx - r - 4 : cx + r + 4}
                  y={cy + 4}
                  textAnchor={labelLeft ? 'end' : 'start'}
                >
                  {bin.count}
                </text>
              </g>
            );
          })}
        </g>

        <text className="axis-label" x={x(0.5)} y={SIZE - 10} textAnchor="middle" aria-hidden="true">
          Your confidence (mean in each bin)
        </text>
        <text
          className="axis-label"
          x={14}
          y={y(0.5)}
          textAnchor="middle"
          transform={`rotate(-90 14 ${y(0.5)})`}
          aria-hidden="true"
        >
          Came true
        </text>
      </svg>

      <table className="calibration-table">
        <caption>Calibration by confidence bin (the chart as a table)</caption>
        <thead>
          <tr>
            <th scope="col">Confidence bin</th>
            <th scope="col">Calls</th>
            <th scope="col">Mean confidence</th>
            <th scope="col">Came true</th>
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
