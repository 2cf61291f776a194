// Server data through one query layer (TanStack Query): every view reads its data through these hooks,
// and every change goes through `useCallChanges`, which keeps the cached copies of a call in step.
import {
  QueryClient,
  useInfiniteQuery,
  useQuery,
  useQueryClient,
  type InfiniteData,
  type QueryKey,
} from '@tanstack/react-query';
import { createContext, useContext, useMemo } from 'react';
import type { Bell, CallFilters, CallPage, InAppNotification, StoredCall } from './api/types';
import type { Services } from './services';
import { ApiError } from './services/http';

export const ServicesContext = createContext<Services | null>(null);

export function useServices(): Services {
  const services = useContext(ServicesContext);
  if (!services) throw new Error('useServices outside <ServicesContext.Provider>');
  return services;
}

export const keys = {
  calls: ['calls'] as const,
  callList: (filters: CallFilters, pageSize: number) => ['calls', 'list', filters, pageSize] as const,
  call: (id: string) => ['call', id] as const,
  history: (id: string) => ['history', id] as const,
  due: ['due'] as const,
  stats: ['stats'] as const,
  tokens: ['tokens'] as const,
  bell: ['notifications', 'bell'] as const,
  notificationSettings: ['notifications', 'settings'] as const,
  publicProfile: ['profile', 'public'] as const,
  share: (id: string) => ['share', id] as const,
};

/** How many notifications the bell shows (the newest). */
export const BELL_LIMIT = 30;

/** Worth retrying by itself: the server was unreachable, overloaded or failing (never a 4xx answer). */
export function retryable(error: unknown): boolean {
  if (!(error instanceof ApiError)) return true;
  return error.status === 0 || error.status === 429 || error.status >= 500;
}

export function createQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      queries: {
        retry: (failures, error) => retryable(error) && failures < 4,
        retryDelay: (attempt) => Math.min(400 * 2 ** attempt, 3_000),
        staleTime: 5_000,
      },
      mutations: { retry: false },
    },
  });
}

export function useCallList(filters: CallFilters, pageSize = 20) {
  const { calls } = useServices();
  return useInfiniteQuery({
    queryKey: keys.callList(filters, pageSize),
    queryFn: ({ pageParam }) => calls.list({ ...filters, limit: pageSize, cursor: pageParam }),
    initialPageParam: null as string | null,
    getNextPageParam: (last: CallPage) => last.next_cursor,
    placeholderData: (previous) => previous, // new filters: keep the old list on screen until the new one comes
  });
}

export function useCall(id: string) {
  const { calls } = useServices();
  return useQuery({ queryKey: keys.call(id), queryFn: () => calls.get(id) });
}

export function useHistory(id: string) {
  const { verification } = useServices();
  return useQuery({ queryKey: keys.history(id), queryFn: () => verification.history(id) });
}

export function useDue() {
  const { verification } = useServices();
  return useQuery({ queryKey: keys.due, queryFn: () => verification.due(), select: (found) => found.items });
}

export function useStats() {
  const { verification } = useServices();
  return useQuery({ queryKey: keys.stats, queryFn: () => verification.stats() });
}

export function useTokens(enabled = true) {
  const { calls } = useServices();
  return useQuery({ queryKey: keys.tokens, queryFn: () => calls.tokens(), enabled });
}

/** The bell: your newest notifications and how many are unread. */
export function useBell() {
  const { notifications } = useServices();
  return useQuery({ queryKey: keys.bell, queryFn: () => notifications.bell(BELL_LIMIT) });
}

/** Where a call is shared (null: not shared); asked only once `enabled` (the share panel is open). */
export function useShare(id: string, enabled = true) {
  const { calls } = useServices();
  return useQuery({ queryKey: keys.share(id), queryFn: () => calls.shared(id), enabled });
}

export function usePublicProfile() {
  const { verification } = useServices();
  return useQuery({ queryKey: keys.publicProfile, queryFn: () => verification.publicProfile() });
}

export function useNotificationSettings() {
  const { notifications } = useServices();
  return useQuery({ queryKey: keys.notificationSettings, queryFn: () => notifications.settings() });
}

/** Keep the bell's cached copy in step: a notification that arrived live, or some marked read. */
export function useBellChanges() {
  const client = useQueryClient();
  return useMemo(() => bellChanges(client), [client]);
}

function bellChanges(client: QueryClient) {
  return {
    /** A new one from the WebSocket, with the server's unread count. */
    arrived(notification: InAppNotification, unread: number) {
      const bell = client.getQueryData<Bell>(keys.bell);
      if (!bell) {
        void client.invalidateQueries({ queryKey: keys.bell });
        return;
      }
      const items = [notification, ...bell.items.filter((item) => item.id !== notification.id)].slice(0, BELL_LIMIT);
      client.setQueryData<Bell>(keys.bell, { items, unread });
    },
    /** These (or, with no ids, all) were marked read; `unread` is what the server counts now. */
    read(ids: string[] | null, unread: number, at: string = new Date().toISOString()) {
      client.setQueryData<Bell>(keys.bell, (bell) =>
        bell
          ? {
              unread,
              items: bell.items.map((item) => (item.read_at === null && (ids === null || ids.includes(item.id)) ? { ...item, read_at: at } : item)),
            }
          : bell,
      );
    },
  };
}

/** What to do to the cache when a call changed, was added, or went away. */
export function useCallChanges() {
  const client = useQueryClient();
  return {
    /** A newer copy of one call (a PATCH, a resolve, a verdict): every cached copy shows it at once. */
    changed(call: StoredCall) {
      client.setQueryData(keys.call(call.id), call);
      client.setQueriesData<InfiniteData<CallPage>>({ queryKey: [...keys.calls, 'list'] }, (data) =>
        data
          ? { ...data, pages: data.pages.map((page) => ({ ...page, items: page.items.map((item) => (item.id === call.id ? call : item)) })) }
          : data,
      );
      // The lists keep it in place, updated (no reload): a filtered list shows what just changed.
      void client.invalidateQueries({ queryKey: keys.history(call.id) });
      void client.invalidateQueries({ queryKey: keys.due });
      void client.invalidateQueries({ queryKey: keys.stats });
    },
    /** Calls were added or removed (logged, deleted, imported). */
    listChanged(removed?: string) {
      if (removed) client.removeQueries({ queryKey: keys.call(removed) });
      for (const key of [keys.calls, keys.due, keys.stats] as QueryKey[]) void client.invalidateQueries({ queryKey: key });
    },
  };
}

/** A query's error in words for the user. */
export function errorText(error: unknown, fallback: string): string {
  return error instanceof Error && error.message ? error.message : fallback;
}
