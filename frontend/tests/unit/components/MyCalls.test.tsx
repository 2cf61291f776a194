import { render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import { CallView } from '../../../src/components/CallView';
import { MyCalls } from '../../../src/components/MyCalls';
import { CallsApi } from '../../../src/services/calls';
import { fakeFetch, page, storedCall, verdict } from '../../fixtures/calls';

describe('MyCalls', () => {
  it('lists calls newest first with status, dates, confidence and verdict, and links to each', async () => {
    const { fetchImpl } = fakeFetch({
      'GET /api/calls?limit=20': () => ({
        status: 200,
        body: page([
          storedCall({ id: 'b', prediction_statement: 'It will snow.', status: 'verified', verdict, confidence: 0.25 }),
          storedCall({ id: 'a', prediction_statement: 'The Lakers win.' }),
        ]),
      }),
    });
    render(<MyCalls callsApi={new CallsApi('', fetchImpl)} timeZone="UTC" />);
    const list = await screen.findByRole('list', { name: 'Logged calls' });
    const items = within(list).getAllByRole('article');
    expect(items.map((item) => within(item).getByRole('heading').textContent)).toEqual(['It will snow.', 'The Lakers win.']);
    expect(items[0]).toHaveTextContent('Status: Verified');
    expect(items[0]).toHaveTextContent('Verdict: Confirmed');
    expect(items[0]).toHaveTextContent('My confidence: 25%');
    expect(items[0]).toHaveTextContent(/Check: .*22 Nov.* 2026|Check: Nov 22, 2026/);
    expect(items[1]).toHaveTextContent('Status: Pending');
    expect(items[1]).not.toHaveTextContent('Verdict');
    expect(within(items[0]!).getByRole('link', { name: 'It will snow.' })).toHaveAttribute('href', '#/calls/b');
  });

  it('pages with the cursor', async () => {
    const { fetchImpl, requests } = fakeFetch({
      'GET /api/calls?limit=2': () => ({ status: 200, body: page([storedCall({ id: '1', prediction_statement: 'One.' })], 'cur') }),
      'GET /api/calls?limit=2&cursor=cur': () => ({ status: 200, body: page([storedCall({ id: '2', prediction_statement: 'Two.' })]) }),
    });
    render(<MyCalls callsApi={new CallsApi('', fetchImpl)} pageSize={2} />);
    await userEvent.click(await screen.findByRole('button', { name: 'Load more' }));
    await screen.findByText('Two.');
    expect(screen.getByText('One.')).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Load more' })).not.toBeInTheDocument();
    expect(requests.map((r) => r.url)).toEqual(['/api/calls?limit=2', '/api/calls?limit=2&cursor=cur']);
  });

  it('says so when there are no calls', async () => {
    const { fetchImpl } = fakeFetch({ 'GET /api/calls?limit=20': () => ({ status: 200, body: page([]) }) });
    render(<MyCalls callsApi={new CallsApi('', fetchImpl)} />);
    expect(await screen.findByText(/No calls yet/)).toBeInTheDocument();
  });

  it('shows a load failure with a retry', async () => {
    let attempts = 0;
    const { fetchImpl } = fakeFetch({
      'GET /api/calls?limit=20': () =>
        ++attempts === 1
          ? { status: 500, body: { code: 'internal', message: 'Storage is down.' } }
          : { status: 200, body: page([storedCall({ prediction_statement: 'Back.' })]) },
    });
    render(<MyCalls callsApi={new CallsApi('', fetchImpl)} />);
    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent('Storage is down.');
    await userEvent.click(within(alert).getByRole('button', { name: 'Try again' }));
    expect(await screen.findByText('Back.')).toBeInTheDocument();
    expect(screen.queryByRole('alert')).not.toBeInTheDocument();
  });
});

describe('CallView', () => {
  it('shows the whole call, its verdict and evidence', async () => {
    const { fetchImpl } = fakeFetch({
      'GET /api/calls/c-1': () => ({ status: 200, body: storedCall({ status: 'verified', verdict, confidence: 0.6 }) }),
    });
    render(<CallView callsApi={new CallsApi('', fetchImpl)} id="c-1" timeZone="UTC" />);
    const verdictGroup = await screen.findByRole('group', { name: 'Verdict' });
    expect(verdictGroup).toHaveTextContent('Verdict: Confirmed with 90% confidence');
    expect(verdictGroup).toHaveTextContent('Lakers 112 – 104 Celtics');
    expect(screen.getByRole('group', { name: 'My confidence' })).toHaveTextContent('60%');
    expect(screen.getByRole('group', { name: 'Your words' })).toHaveTextContent('The Lakers will win tonight');
    expect(screen.getByRole('group', { name: 'Steps' })).toHaveTextContent('Record the outcome');
  });

  it('deletes after confirmation', async () => {
    const onDeleted = vi.fn();
    const { fetchImpl, requests } = fakeFetch({
      'GET /api/calls/c-1': () => ({ status: 200, body: storedCall() }),
      'DELETE /api/calls/c-1': () => ({ status: 204 }),
    });
    render(<CallView callsApi={new CallsApi('', fetchImpl)} id="c-1" onDeleted={onDeleted} />);
    await userEvent.click(await screen.findByRole('button', { name: 'Delete call' }));
    expect(requests.filter((r) => r.method === 'DELETE')).toHaveLength(0);
    const confirm = screen.getByRole('button', { name: 'Yes, delete it' });
    expect(confirm).toHaveFocus();
    await userEvent.click(confirm);
    await waitFor(() => expect(onDeleted).toHaveBeenCalledWith(expect.objectContaining({ id: 'c-1' })));
    expect(requests.filter((r) => r.method === 'DELETE').map((r) => r.url)).toEqual(['/api/calls/c-1']);
  });

  it('"Keep it" backs out of deleting', async () => {
    const { fetchImpl, requests } = fakeFetch({ 'GET /api/calls/c-1': () => ({ status: 200, body: storedCall() }) });
    render(<CallView callsApi={new CallsApi('', fetchImpl)} id="c-1" />);
    await userEvent.click(await screen.findByRole('button', { name: 'Delete call' }));
    await userEvent.click(screen.getByRole('button', { name: 'Keep it' }));
    expect(screen.getByRole('button', { name: 'Delete call' })).toBeInTheDocument();
    expect(requests.every((r) => r.method === 'GET')).toBe(true);
  });

  it('says when a call does not exist', async () => {
    const { fetchImpl } = fakeFetch({});
    render(<CallView callsApi={new CallsApi('', fetchImpl)} id="gone" />);
    expect(await screen.findByRole('alert')).toHaveTextContent('This call does not exist');
  });
});
