import { useDeferredValue, useEffect, useId, useMemo, useRef, useState } from 'react';
import { CALL_SORTS, type CallFilters, type CallSort, type Resolution, type StoredCall } from '../api/types';
import { CATEGORY_LABELS, formatPercent } from '../format';
import { errorText, useCallChanges, useCallList, useDue, useServices } from '../queries';
import { t } from '../strings';
import { VERIFIABLE_CATEGORIES } from '../types/protocol';
import { CallOutcome, CallWhen, useNow } from './badges';
import { DueReminder } from './DueReminder';
import { Tags } from './Tags';

type Show = 'all' | 'checking' | 'due_soon' | 'overdue' | 'waiting_for_you' | 'called_it' | 'missed_it' | 'void';
const SHOWS: Array<[Show, string]> = [
  ['all', t.calls.statusAll],
  ['checking', t.outcome.checking],
  ['due_soon', t.calls.statusDue],
  ['overdue', t.calls.statusOverdue],
  ['waiting_for_you', t.outcome.waiting_for_you],
  ['called_it', t.outcome.called_it],
  ['missed_it', t.outcome.missed_it],
  ['void', t.outcome.void],
];
const WEEK_MS = 7 * 24 * 3600e3;

/**
 * The server's filters for what the user picked (statuses are the outcomes, the one vocabulary); the
 * dates are fixed when picked, so the query key stays the same while the list is on screen.
 */
export function filtersFor(show: Show, now: number, rest: Omit<CallFilters, 'status' | 'due_before' | 'due_after'>): CallFilters {
  const filters: CallFilters = { ...rest };
  const at = new Date(Math.floor(now / 60_000) * 60_000);
  if (show === 'due_soon') Object.assign(filters, { status: 'checking', due_after: at.toISOString(), due_before: new Date(at.getTime() + WEEK_MS).toISOString() });
  else if (show === 'overdue') Object.assign(filters, { status: 'checking,waiting_for_you', due_before: at.toISOString() });
  else if (show !== 'all') filters.status = show;
  return Object.fromEntries(Object.entries(filters).filter(([, value]) => Boolean(value))) as CallFilters;
}

const BULK: Array<{ resolution: Resolution; label: string; className: string }> = [
  { resolution: 'confirmed', label: t.resolve.confirmed, className: 'btn-success' },
  { resolution: 'refuted', label: t.resolve.refuted, className: 'btn-danger' },
  { resolution: 'void', label: t.resolve.void, className: 'btn-secondary' },
];

/** Your calls as a tracker: search, filters, sort, tags inline, bulk resolve, a page at a time. */
export function MyCalls({
  timeZone,
  pageSize = 20,
  justUpdated = new Set<string>(),
}: {
  timeZone?: string;
  pageSize?: number;
  /** Calls a verdict just changed: marked "Updated just now". */
  justUpdated?: ReadonlySet<string>;
}) {
  const { calls, verification } = useServices();
  const changes = useCallChanges();
  const [search, setSearch] = useState('');
  const q = useDeferredValue(search.trim());
  const [show, setShow] = useState<Show>('all');
  const [category, setCategory] = useState('');
  const [tag, setTag] = useState('');
  const [sort, setSort] = useState<CallSort>('newest');
  const [pickedAt, setPickedAt] = useState(() => Date.now());
  const [selected, setSelected] = useState<ReadonlySet<string>>(new Set());
  const [bulkBusy, setBulkBusy] = useState(false);
  const [bulkResult, setBulkResult] = useState<string | null>(null);
  const [bulkError, setBulkError] = useState<string | null>(null);
  const [tagBusy, setTagBusy] = useState<string | null>(null);
  const [tagError, setTagError] = useState<string | null>(null);
  const now = useNow();
  const ids = { search: useId(), show: useId(), category: useId(), tag: useId(), tags: useId(), sort: useId() };
  const headingRef = useRef<HTMLHeadingElement>(null);

  const filters = useMemo(
    () => filtersFor(show, pickedAt, { q, category: category as CallFilters['category'], tag: tag.trim().toLowerCase(), sort: sort === 'newest' ? undefined : sort }),
    [show, pickedAt, q, category, tag, sort],
  );
  const list = useCallList(filters, pageSize);
  const due = useDue();
  const items = useMemo(() => list.data?.pages.flatMap((page) => page.items) ?? [], [list.data]);
  const filtered = Boolean(q || show !== 'all' || category || tag);
  const knownTags = useMemo(() => [...new Set(items.flatMap((call) => call.tags ?? []))].sort(), [items]);

  // The selection only ever holds calls on screen.
  useEffect(() => {
    setSelected((previous) => {
      const shown = new Set(items.map((call) => call.id));
      const kept = [...previous].filter((id) => shown.has(id));
      return kept.length === previous.size ? previous : new Set(kept);
    });
  }, [items]);

  const toggle = (id: string) =>
    setSelected((previous) => {
      const next = new Set(previous);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });

  const resolveSelected = async (resolution: Resolution, label: string) => {
    if (bulkBusy || selected.size === 0) return;
    setBulkBusy(true);
    setBulkResult(null);
    setBulkError(null);
    const failed = new Set<string>();
    let done = 0;
    for (const id of selected) {
      try {
        changes.changed(await verification.resolve(id, resolution));
        done += 1;
      } catch {
        failed.add(id);
      }
    }
    setSelected(failed);
    setBulkBusy(false);
    if (done > 0) setBulkResult(t.calls.bulkDone(done, label.toLowerCase()));
    if (failed.size > 0) setBulkError(t.calls.bulkFailed(failed.size));
  };

  const setTags = async (call: StoredCall, tags: string[]) => {
    setTagBusy(call.id);
    setTagError(null);
    try {
      changes.changed(await calls.update(call.id, { tags }));
      return true;
    } catch (error) {
      setTagError(t.tags.failed(errorText(error, t.errors.generic)));
      return false;
    } finally {
      setTagBusy(null);
    }
  };

  const clearFilters = () => {
    setSearch('');
    setShow('all');
    setCategory('');
    setTag('');
  };

  const firstLoad = list.isPending;
  const failed = list.isError && items.length === 0;

  return (
    <section className="card my-calls" aria-labelledby="calls-heading" aria-busy={list.isFetching}>
      <h2 id="calls-heading" ref={headingRef} className="view-heading" tabIndex={-1} data-view-heading>
        {t.calls.heading}
      </h2>

      {due.data && due.data.length > 0 && <DueReminder due={due.data} timeZone={timeZone} now={now} />}

      <form className="call-filters" role="search" aria-label={t.calls.filters} onSubmit={(event) => event.preventDefault()}>
        <div className="form-group filter-search">
          <label htmlFor={ids.search}>{t.calls.search}</label>
          <input
            id={ids.search}
            type="search"
            className="form-control"
            placeholder={t.calls.searchPlaceholder}
            value={search}
            onChange={(event) => setSearch(event.target.value)}
          />
        </div>
        <div className="form-group">
          <label htmlFor={ids.show}>{t.calls.status}</label>
          <select
            id={ids.show}
            className="form-control"
            value={show}
            onChange={(event) => {
              setShow(event.target.value as Show);
              setPickedAt(Date.now());
            }}
          >
            {SHOWS.map(([value, label]) => (
              <option key={value} value={value}>
                {label}
              </option>
            ))}
          </select>
        </div>
        <div className="form-group">
          <label htmlFor={ids.category}>{t.calls.category}</label>
          <select id={ids.category} className="form-control" value={category} onChange={(event) => setCategory(event.target.value)}>
            <option value="">{t.calls.categoryAll}</option>
            {VERIFIABLE_CATEGORIES.map((value) => (
              <option key={value} value={value}>
                {CATEGORY_LABELS[value]?.label ?? value}
              </option>
            ))}
          </select>
        </div>
        <div className="form-group">
          <label htmlFor={ids.tag}>{t.calls.tag}</label>
          <input
            id={ids.tag}
            className="form-control"
            list={ids.tags}
            placeholder={t.calls.tagPlaceholder}
            value={tag}
            autoComplete="off"
            onChange={(event) => setTag(event.target.value.replace(/^#/, ''))}
          />
          <datalist id={ids.tags}>
            {knownTags.map((known) => (
              <option key={known} value={known} />
            ))}
          </datalist>
        </div>
        <div className="form-group">
          <label htmlFor={ids.sort}>{t.calls.sort}</label>
          <select id={ids.sort} className="form-control" value={sort} onChange={(event) => setSort(event.target.value as CallSort)}>
            {CALL_SORTS.map((value) => (
              <option key={value} value={value}>
                {t.calls.sorts[value]}
              </option>
            ))}
          </select>
        </div>
        {filtered && (
          <button type="button" className="btn btn-link filter-clear" onClick={clearFilters}>
            {t.calls.clearFilters}
          </button>
        )}
      </form>

      {failed && (
        <div className="error-message" role="alert">
          <p>{t.calls.loadFailed(errorText(list.error, t.errors.network))}</p>
          <p className="hint">{t.calls.retrying}</p>
          <button type="button" className="btn btn-secondary" onClick={() => void list.refetch()}>
            {t.app.tryAgain}
          </button>
        </div>
      )}

      <p role="status" className="run-status list-status">
        {firstLoad ? t.calls.loading : items.length > 0 ? t.calls.shown(items.length, list.hasNextPage) : ''}
      </p>

      {!firstLoad && !failed && items.length === 0 && (
        <p className="empty-state">
          {filtered ? (
            t.calls.noMatch
          ) : (
            <>
              {t.calls.empty} <a href="#/">{t.calls.emptyAction}</a>
            </>
          )}
        </p>
      )}

      {items.length > 0 && (
        <div className="bulk-bar" role="group" aria-label={t.calls.bulkLabel}>
          <label className="checkbox">
            <input
              type="checkbox"
              checked={selected.size > 0 && selected.size === items.length}
              ref={(box) => {
                if (box) box.indeterminate = selected.size > 0 && selected.size < items.length;
              }}
              onChange={(event) => setSelected(event.target.checked ? new Set(items.map((call) => call.id)) : new Set())}
            />
            {selected.size > 0 ? t.calls.selected(selected.size) : t.calls.selectAll}
          </label>
          {selected.size > 0 && (
            <>
              {BULK.map((button) => (
                <button
                  key={button.resolution}
                  type="button"
                  className={`btn btn-small ${button.className}`}
                  aria-disabled={bulkBusy}
                  onClick={() => void resolveSelected(button.resolution, button.label)}
                >
                  {button.label}
                </button>
              ))}
              <button type="button" className="btn btn-link" onClick={() => setSelected(new Set())}>
                {t.calls.clearSelection}
              </button>
            </>
          )}
        </div>
      )}
      <div role="status" className="action-result">
        {bulkResult && <p className="notice notice-success">{bulkResult}</p>}
      </div>
      {(bulkError || tagError) && (
        <p className="notice notice-error" role="alert">
          {bulkError ?? tagError}
        </p>
      )}

      {items.length > 0 && (
        <ul className="call-list" aria-label={t.calls.listLabel}>
          {items.map((call) => (
            <li key={call.id}>
              <CallSummary
                call={call}
                timeZone={timeZone}
                now={now}
                justUpdated={justUpdated.has(call.id)}
                selected={selected.has(call.id)}
                onSelect={() => toggle(call.id)}
                tagBusy={tagBusy === call.id}
                onTags={(tags) => setTags(call, tags)}
                onPickTag={(picked) => setTag(picked)}
              />
            </li>
          ))}
        </ul>
      )}

      {list.hasNextPage && (
        <button type="button" className="btn btn-secondary" aria-disabled={list.isFetchingNextPage} onClick={() => !list.isFetchingNextPage && void list.fetchNextPage()}>
          {list.isFetchingNextPage ? t.calls.loadingMore : t.calls.more}
        </button>
      )}
    </section>
  );
}

function CallSummary({
  call,
  timeZone,
  now,
  justUpdated,
  selected,
  onSelect,
  tagBusy,
  onTags,
  onPickTag,
}: {
  call: StoredCall;
  timeZone?: string;
  now: number;
  justUpdated: boolean;
  selected: boolean;
  onSelect: () => void;
  tagBusy: boolean;
  onTags: (tags: string[]) => Promise<boolean>;
  onPickTag: (tag: string) => void;
}) {
  const headingId = `call-${call.id}`;
  return (
    <article className={`call-summary${justUpdated ? ' just-updated' : ''}${selected ? ' selected' : ''}`} aria-labelledby={headingId}>
      <input
        type="checkbox"
        className="call-select"
        checked={selected}
        onChange={onSelect}
        aria-label={t.calls.select(call.prediction_statement)}
      />
      <div className="call-body">
        <h3 id={headingId} className="call-title">
          <a href={`#/calls/${encodeURIComponent(call.id)}`}>{call.prediction_statement}</a>
        </h3>
        <p className="meta">
          <CallOutcome call={call} />
          <span>
            <CallWhen call={call} timeZone={timeZone} now={now} />
          </span>
          {call.confidence !== null && call.confidence !== undefined && <span>{t.calls.myChance(formatPercent(call.confidence))}</span>}
          {justUpdated && <span className="updated-note">{t.calls.justUpdated}</span>}
        </p>
        <Tags tags={call.tags ?? []} statement={call.prediction_statement} busy={tagBusy} onChange={onTags} onPick={onPickTag} />
      </div>
    </article>
  );
}
