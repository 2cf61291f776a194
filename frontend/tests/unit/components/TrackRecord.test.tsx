import { render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { binLabel, describePoints } from '../../../src/components/CalibrationChart';
import { TrackRecord, formatBrier } from '../../../src/components/TrackRecord';
import { HttpClient } from '../../../src/services/http';
import { VerificationApi } from '../../../src/services/verification';
import { fakeFetch } from '../../fixtures/calls';
import { bins, trackRecord } from '../../fixtures/verification';

function renderWith(answer: () => { status: number; body?: unknown }) {
  const { fetchImpl, requests } = fakeFetch({ 'GET /api/stats': answer });
  render(<TrackRecord verification={new VerificationApi(new HttpClient('', fetchImpl))} />);
  return requests;
}

describe('TrackRecord', () => {
  it('shows the counts and the Brier score, saying which Brier score it is', async () => {
    renderWith(() => ({ status: 200, body: trackRecord() }));
    expect(await screen.findByRole('heading', { name: 'Track record' })).toBeInTheDocument();
    const tally = (label: string) => screen.getByText(label, { selector: 'dt' }).closest('div')!;
    expect(await screen.findByText('Called it', { selector: 'dt' })).toBeInTheDocument();
    expect(tally('Called it')).toHaveTextContent('2');
    expect(tally('Missed it')).toHaveTextContent('1');
    expect(tally('Void')).toHaveTextContent('1');
    expect(tally('All calls')).toHaveTextContent('5');
    const brier = screen.getByRole('region', { name: 'Brier score' });
    expect(brier).toHaveTextContent('0.123 over 3 scored calls');
    expect(brier).toHaveTextContent('two-outcome Brier score');
    expect(brier).toHaveTextContent('outcome is 1 for confirmed and 0 for refuted. 0 is perfect and 1 the worst');
  });

  it('draws the calibration chart: one point per non-empty bin at its mean forecast, sized and labelled by count', async () => {
    renderWith(() => ({ status: 200, body: trackRecord() }));
    const chart = await screen.findByRole('img', { name: /Calibration chart/ });
    expect(chart.tagName.toLowerCase()).toBe('svg');
    expect(chart.querySelector('title')).toHaveTextContent('Calibration chart');
    expect(chart.querySelector('desc')).toHaveTextContent('The diagonal is perfect calibration.');
    expect(chart.querySelector('desc')).toHaveTextContent('70–80%: 2 calls, mean confidence 75%, 50% came true.');
    const points = [...chart.querySelectorAll('.point')];
    expect(points).toHaveLength(2);
    const [first, second] = points.map((point) => point.querySelector('circle')!);
    // x follows the mean forecast (0.75 < 0.95), y the observed rate (0.5 below 1.0), r the count (2 > 1).
    expect(Number(first!.getAttribute('cx'))).toBeLessThan(Number(second!.getAttribute('cx')));
    expect(Number(first!.getAttribute('cy'))).toBeGreaterThan(Number(second!.getAttribute('cy')));
    expect(Number(first!.getAttribute('r'))).toBeGreaterThan(Number(second!.getAttribute('r')));
    expect(points.map((point) => point.querySelector('text')!.textContent)).toEqual(['2', '1']);
    expect(chart.querySelector('.diagonal')).not.toBeNull();
  });

  it('has the same figures as a table: ten bins, empty ones dashed', async () => {
    renderWith(() => ({ status: 200, body: trackRecord() }));
    const table = await screen.findByRole('table', { name: /Calibration by confidence bin/ });
    const rows = within(table).getAllByRole('row').slice(1);
    expect(rows).toHaveLength(10);
    expect(rows[7]).toHaveTextContent('70–80%275%50%');
    expect(rows[9]).toHaveTextContent('90–100%195%100%');
    expect(rows[0]).toHaveTextContent('0–10%0——');
  });

  it('before any scored call: no score, an empty chart, and what to do', async () => {
    renderWith(() => ({ status: 200, body: trackRecord({ brier: null, scored: 0, calibration: bins() }) }));
    expect(await screen.findByText(/No score yet/)).toHaveTextContent('Set your confidence on a call, then resolve it.');
    expect(screen.getByRole('img', { name: /Calibration chart/ }).querySelectorAll('.point')).toHaveLength(0);
    expect(describePoints(bins())).toBe('No points yet: no resolved call has a confidence.');
  });

  it('shows a failure with a retry', async () => {
    let attempts = 0;
    renderWith(() =>
      ++attempts === 1 ? { status: 500, body: { code: 'internal', message: 'Storage is down.' } } : { status: 200, body: trackRecord() },
    );
    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent('Could not load your track record: Storage is down.');
    await userEvent.click(within(alert).getByRole('button', { name: 'Try again' }));
    expect(await screen.findByRole('img', { name: /Calibration chart/ })).toBeInTheDocument();
  });

  it('formats', () => {
    expect(formatBrier(0.04)).toBe('0.040');
    expect(binLabel({ lower: 0.9, upper: 1, count: 0, mean_forecast: null, observed_rate: null })).toBe('90–100%');
  });
});
