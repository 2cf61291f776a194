import { act, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { MyCalls, filtersFor } from '../../../src/components/MyCalls';
import { page, storedCall, verdict } from '../../fixtures/calls';
import { renderWith, testQueryClient, testServices } from '../../fixtures/render';

const future = new Date(Date.now() + 3 * 24 * 3600e3 + 60e3).toISOString();
const past = new Date(Date.now() - 2 * 24 * 3600e3).toISOString();

function query(url: string): Record<string, string> {
  return Object.fromEntries(new URL(url, 'http://x').searchParams);
}

describe('MyCalls', () => {
  it('lists calls with one outcome vocabulary, relative dates (exact on hover), chance and tags', async () => {
    const { services } = testServices({
      'GET /api/calls?limit=20': () => ({
        status: 200,
        body: page([
          storedCall({ id: 'b', prediction_statement: 'It will snow.', status: 'verified', verdict, confidence: 0.25, tags: ['weather'] }),
          storedCall({ id: 'a', prediction_statement: 'The Lakers win.', verification_date: future }),
          storedCall({ id: 'c', prediction_statement: 'I finish the book.', verifiable_category: 'human_verifiable_only', verification_date: past }),
          storedCall({ id: 'd', prediction_statement: 'Void one.', status: 'void' }),
          storedCall({ id: 'e', prediction_statement: 'Missed one.', status: 'verified', verdict: { ...verdict, verdict: 'refuted' } }),
        ]),
      }),
      'GET /api/due?limit=100': () => ({ status: 200, body: { items: [] } }),
    });
    renderWith(<MyCalls timeZone="UTC" />, services);
    const list = await screen.findByRole('list', { name: 'Logged calls' });
    const [snow, lakers, book, voided, missed] = within(list).getAllByRole('article');
    expect(snow).toHaveTextContent('Called it');
    expect(snow).toHaveTextContent('My chance 25%');
    expect(within(snow!).getByRole('button', { name: 'Show calls tagged weather' })).toHaveTextContent('#weather');
    expect(lakers).toHaveTextContent('Checking');
    expect(lakers).toHaveTextContent('checks in 3 days');
    const when = within(lakers!).getByText('checks in 3 days');
    expect(when.tagName).toBe('TIME');
    expect(when).toHaveAttribute('title', expect.stringMatching(/2026|20\d\d/));
    expect(book).toHaveTextContent('Waiting for you');
    expect(book).toHaveTextContent('was due 2 days ago');
    expect(voided).toHaveTextContent('Void');
    expect(missed).toHaveTextContent('Missed it');
    // No machine words anywhere.
    expect(list.textContent).not.toMatch(/Status:|Verdict:|_verifiable|T\d\d:\d\d/);
    expect(within(snow!).getByRole('link', { name: 'It will snow.' })).toHaveAttribute('href', '#/calls/b');
  });

  it('searches and filters on the server: q, status, due dates, category, tag, sort', async () => {
    const { services, requests } = testServices({
      'GET /api/calls*': () => ({ status: 200, body: page([storedCall({ id: 'a', prediction_statement: 'Found.' })]) }),
      'GET /api/due?limit=100': () => ({ status: 200, body: { items: [] } }),
    });
    renderWith(<MyCalls />, services);
    const user = userEvent.setup();
    await screen.findByText('Found.');
    await user.type(screen.getByLabelText('Search your calls'), 'bitcoin');
    await waitFor(() => expect(query(requests.at(-1)!.url)).toMatchObject({ q: 'bitcoin' }));
    await user.selectOptions(screen.getByLabelText('Show'), 'Overdue');
    await waitFor(() => expect(query(requests.at(-1)!.url)).toMatchObject({ q: 'bitcoin', status: 'checking,waiting_for_you' }));
    const overdue = query(requests.at(-1)!.url);
    expect(new Date(overdue.due_before!).getTime()).toBeLessThanOrEqual(Date.now());
    expect(overdue.due_after).toBeUndefined();
    await user.selectOptions(screen.getByLabelText('Checked by'), 'Needs outside data');
    await user.type(screen.getByLabelText('Tag'), '#Sport');
    await user.selectOptions(screen.getByLabelText('Sort'), 'Due soonest');
    await waitFor(() =>
      expect(query(requests.at(-1)!.url)).toMatchObject({ category: 'api_tool_verifiable', tag: 'sport', sort: 'due', status: 'checking,waiting_for_you' }),
    );
    await user.selectOptions(screen.getByLabelText('Show'), 'Missed it');
    await waitFor(() => expect(query(requests.at(-1)!.url)).toMatchObject({ status: 'missed_it' }));
    await user.click(screen.getByRole('button', { name: 'Clear filters' }));
    await waitFor(() => expect(query(requests.at(-1)!.url)).toEqual({ limit: '20', sort: 'due' }));
  });

  it('"due soon" asks for the next seven days', () => {
    const now = Date.parse('2026-11-21T10:00:30Z');
    expect(filtersFor('due_soon', now, {})).toEqual({
      status: 'checking',
      due_after: '2026-11-21T10:00:00.000Z',
      due_before: '2026-11-28T10:00:00.000Z',
    });
    expect(filtersFor('all', now, { q: '', tag: 'x' })).toEqual({ tag: 'x' });
  });

  it('pages with the cursor', async () => {
    const { services, requests } = testServices({
      'GET /api/calls?limit=2': () => ({ status: 200, body: page([storedCall({ id: '1', prediction_statement: 'One.' })], 'cur') }),
      'GET /api/calls?limit=2&cursor=cur': () => ({ status: 200, body: page([storedCall({ id: '2', prediction_statement: 'Two.' })]) }),
      'GET /api/due?limit=100': () => ({ status: 200, body: { items: [] } }),
    });
    renderWith(<MyCalls pageSize={2} />, services);
    await userEvent.click(await screen.findByRole('button', { name: 'Show more' }));
    await screen.findByText('Two.');
    expect(screen.getByText('One.')).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Show more' })).not.toBeInTheDocument();
    expect(requests.filter((r) => r.url.startsWith('/api/calls')).map((r) => r.url)).toEqual(['/api/calls?limit=2', '/api/calls?limit=2&cursor=cur']);
  });

  it('says so when there are no calls, and when nothing matches', async () => {
    const { services } = testServices({
      'GET /api/calls*': () => ({ status: 200, body: page([]) }),
      'GET /api/due?limit=100': () => ({ status: 200, body: { items: [] } }),
    });
    renderWith(<MyCalls />, services);
    expect(await screen.findByText(/No calls yet/)).toBeInTheDocument();
    await userEvent.type(screen.getByLabelText('Search your calls'), 'zzz');
    expect(await screen.findByText('No call matches these filters.')).toBeInTheDocument();
  });

  it('a load failure clears by itself when the server is back (no manual retry)', async () => {
    let up = false;
    const { services } = testServices({
      'GET /api/calls?limit=20': () =>
        up ? { status: 200, body: page([storedCall({ prediction_statement: 'Back.' })]) } : { status: 0 as number, body: undefined },
      'GET /api/due?limit=100': () => ({ status: 200, body: { items: [] } }),
    });
    // A dropped connection: fetch itself rejects.
    const fetchless = services.calls.http as unknown as { fetchImpl: (url: string, init?: RequestInit) => Promise<Response> };
    const real = fetchless.fetchImpl;
    fetchless.fetchImpl = (url, init) => (up ? real(url, init) : Promise.reject(new TypeError('Failed to fetch')));
    const client = testQueryClient();
    renderWith(<MyCalls />, services, client);
    expect(await screen.findByRole('alert')).toHaveTextContent('Could not load your calls');
    up = true;
    await act(() => client.invalidateQueries()); // what the app does when the connection comes back
    expect(await screen.findByText('Back.')).toBeInTheDocument();
    expect(screen.queryByRole('alert')).not.toBeInTheDocument();
  });

  it('adds and removes tags inline (PATCH), and a tag filters the list', async () => {
    let tags: string[] = ['sport'];
    const { services, requests } = testServices({
      'GET /api/calls*': () => ({ status: 200, body: page([storedCall({ id: 'a', prediction_statement: 'Lakers.', tags })]) }),
      'PATCH /api/calls/a': (body) => {
        tags = (body as { tags: string[] }).tags;
        return { status: 200, body: storedCall({ id: 'a', prediction_statement: 'Lakers.', tags }) };
      },
      'GET /api/due?limit=100': () => ({ status: 200, body: { items: [] } }),
    });
    renderWith(<MyCalls />, services);
    const user = userEvent.setup();
    const input = await screen.findByLabelText('Add a tag to “Lakers.”');
    await user.type(input, 'NBA{Enter}');
    await waitFor(() => expect(requests.find((r) => r.method === 'PATCH')?.body).toEqual({ tags: ['sport', 'nba'] }));
    expect(await screen.findByRole('button', { name: 'Show calls tagged nba' })).toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: 'Remove tag sport' }));
    await waitFor(() => expect(requests.filter((r) => r.method === 'PATCH').at(-1)?.body).toEqual({ tags: ['nba'] }));
    await user.click(screen.getByRole('button', { name: 'Show calls tagged nba' }));
    expect(screen.getByLabelText('Tag')).toHaveValue('nba');
    await waitFor(() => expect(query(requests.filter((r) => r.method === 'GET' && r.url.startsWith('/api/calls')).at(-1)!.url)).toMatchObject({ tag: 'nba' }));
  });

  it('resolves the selected calls in bulk', async () => {
    const resolved: string[] = [];
    const { services } = testServices({
      'GET /api/calls?limit=20': () => ({
        status: 200,
        body: page([storedCall({ id: 'a', prediction_statement: 'A.' }), storedCall({ id: 'b', prediction_statement: 'B.' }), storedCall({ id: 'c', prediction_statement: 'C.' })]),
      }),
      'POST /api/calls/a/resolve': (body) => (resolved.push(`a:${(body as { resolution: string }).resolution}`), { status: 200, body: storedCall({ id: 'a', prediction_statement: 'A.', status: 'void' }) }),
      'POST /api/calls/c/resolve': () => ({ status: 500, body: { code: 'internal', message: 'Down.' } }),
      'GET /api/due?limit=100': () => ({ status: 200, body: { items: [] } }),
    });
    renderWith(<MyCalls />, services);
    const user = userEvent.setup();
    await user.click(await screen.findByRole('checkbox', { name: 'Select “A.”' }));
    await user.click(screen.getByRole('checkbox', { name: 'Select “C.”' }));
    const bar = screen.getByRole('group', { name: 'Resolve the selected calls' });
    expect(bar).toHaveTextContent('2 selected');
    await user.click(within(bar).getByRole('button', { name: 'Void' }));
    expect(await screen.findByText('1 call marked void.')).toBeInTheDocument();
    expect(screen.getByRole('alert')).toHaveTextContent('1 could not be changed');
    expect(resolved).toEqual(['a:void']);
    expect(screen.getByRole('checkbox', { name: 'Select “C.”' })).toBeChecked(); // the failed one stays selected
    expect(screen.getByRole('checkbox', { name: 'Select “A.”' })).not.toBeChecked();
    // The resolved call is updated in place: its new outcome shows without reloading the list.
    expect(screen.getByRole('checkbox', { name: 'Select “A.”' }).closest('article')).toHaveTextContent('Void');
  });
});
