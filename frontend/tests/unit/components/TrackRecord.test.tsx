import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { CalibrationChart } from '../../../src/components/CalibrationChart';
import { TrackRecord, formatBrier } from '../../../src/components/TrackRecord';
import { renderWith, testServices } from '../../fixtures/render';
import { bins, trackRecord } from '../../fixtures/verification';
import { render } from '@testing-library/react';

function setup(answer: () => { status: number; body?: unknown }) {
  const { services } = testServices({ 'GET /api/stats': answer });
  return renderWith(<TrackRecord />, services);
}

describe('TrackRecord', () => {
  it('shows the tally in the one vocabulary and both Brier scores, saying what each is', async () => {
    setup(() => ({ status: 200, body: trackRecord() }));
    expect(await screen.findByText('Called it')).toBeInTheDocument();
    const brier = screen.getByRole('region', { name: 'Brier score' });
    expect(within(brier).getByText('Final forecast').nextElementSibling).toHaveTextContent('0.123');
    expect(within(brier).getByText('Time-weighted').nextElementSibling).toHaveTextContent('0.150');
    expect(brier).toHaveTextContent('over 3 scored calls');
    expect(brier).toHaveTextContent('weights every forecast by how long it stood');
    expect(screen.getByText('Missed it')).toBeInTheDocument();
    expect(screen.getByText('Waiting for you')).toBeInTheDocument();
  });

  it('shows calibration over time and by tag', async () => {
    setup(() => ({
      status: 200,
      body: trackRecord({
        over_time: [{ period: '2026-10', scored: 2, brier: 0.2, brier_time_weighted: 0.25 }],
        by_tag: [{ tag: 'sport', total: 3, called_it: 1, missed_it: 1, scored: 2, brier: 0.1, brier_time_weighted: 0.12, calibration: bins() }],
      }),
    }));
    const overTime = await screen.findByRole('region', { name: 'Over time' });
    expect(within(overTime).getByRole('row', { name: /Oct 2026/ })).toHaveTextContent(/Oct 2026\s*20\.200\s*0\.250/);
    const byTag = screen.getByRole('region', { name: 'By tag' });
    expect(within(byTag).getByRole('row', { name: /#sport/ })).toHaveTextContent(/#sport\s*20\.100\s*0\.120/);
  });

  it('before any scored call: no score, an empty chart, and what to do', async () => {
    setup(() => ({ status: 200, body: trackRecord({ brier: null, brier_time_weighted: null, scored: 0, calibration: bins() }) }));
    expect(await screen.findByText(/No score yet/)).toBeInTheDocument();
    expect(screen.getByRole('img', { name: /Calibration chart/ })).toHaveAccessibleName(/No points yet/);
  });

  it('shows a failure with a retry', async () => {
    let calls = 0;
    setup(() => (++calls === 1 ? { status: 500, body: { code: 'internal', message: 'Down.' } } : { status: 200, body: trackRecord() }));
    expect(await screen.findByRole('alert')).toHaveTextContent('Could not load your track record: Down.');
    await userEvent.click(screen.getByRole('button', { name: 'Try again' }));
    expect(await screen.findByText('Called it')).toBeInTheDocument();
  });

  it('formats Brier scores with three decimals', () => {
    expect(formatBrier(0.04)).toBe('0.040');
  });
});

describe('CalibrationChart', () => {
  const filled = bins([
    { index: 7, count: 12, mean_forecast: 0.79, observed_rate: 0.5 },
    { index: 8, count: 3, mean_forecast: 0.8, observed_rate: 0.5 },
    { index: 9, count: 1, mean_forecast: 0.95, observed_rate: 1 },
  ]);

  it('one point per non-empty bin, the counts in their own row at the bin centres (labels never overlap)', () => {
    const { container } = render(<CalibrationChart bins={filled} />);
    expect(container.querySelectorAll('.points circle')).toHaveLength(3);
    const counts = [...container.querySelectorAll<SVGTextElement>('.counts .count:not(.count-empty)')];
    expect(counts.map((label) => label.textContent)).toEqual(['12', '3', '1']);
    const xs = [...container.querySelectorAll<SVGTextElement>('.counts text[text-anchor="middle"]')].map((label) => Number(label.getAttribute('x')));
    expect(xs).toHaveLength(10);
    const gaps = xs.slice(1).map((x, index) => x - xs[index]!);
    // Ten labels, evenly spaced a tenth of the plot apart, all in the frame: two bins with almost the same mean stay apart.
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(25);
    const [, , width] = container.querySelector('svg')!.getAttribute('viewBox')!.split(' ').map(Number);
    expect(Math.max(...xs)).toBeLessThan(width!);
    // The count row sits below the plot, so no label can cover a point.
    const countY = Number(counts[0]!.getAttribute('y'));
    const lowest = Math.max(...[...container.querySelectorAll('.points circle')].map((c) => Number(c.getAttribute('cy')) + Number(c.getAttribute('r'))));
    expect(countY).toBeGreaterThan(lowest);
  });

  it('says the same in words and as a table', () => {
    render(<CalibrationChart bins={filled} />);
    expect(screen.getByRole('img')).toHaveAccessibleName(/70–80%: 12 calls, mean chance 79%, 50% came true\./);
    const rows = within(screen.getByRole('table')).getAllByRole('row');
    expect(rows).toHaveLength(11);
    expect(rows[1]).toHaveTextContent('0–10%0——');
  });
});
