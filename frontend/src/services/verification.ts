import type { CallHistory, DueCalls, PublicProfile, Resolution, StoredCall, TrackRecord } from '../api/types';
import type { HttpClient } from './http';

/**
 * The verification REST API: resolve a call by hand (or override the agent), undo, set your own
 * confidence, read the history, ask for a check now, the calls due for you, and your track record
 * (and whether it is public).
 */
export class VerificationApi {
  constructor(private readonly http: HttpClient) {}

  /** Confirmed / refuted / void by hand; replaces an agent verdict (an override) and stops checks. */
  resolve(id: string, resolution: Resolution, note?: string | null): Promise<StoredCall> {
    const body = note?.trim() ? { resolution, note: note.trim() } : { resolution };
    return this.http.request<StoredCall>('POST', `${callPath(id)}/resolve`, body);
  }

  /** Undo the latest change not yet undone (409 `Nothing to undo` when there is none). */
  undo(id: string): Promise<StoredCall> {
    return this.http.request<StoredCall>('POST', `${callPath(id)}/undo`);
  }

  /** Your own probability (0–1) that the call comes true; null clears it. */
  setConfidence(id: string, confidence: number | null): Promise<StoredCall> {
    return this.http.request<StoredCall>('PATCH', callPath(id), { confidence });
  }

  history(id: string): Promise<CallHistory> {
    return this.http.request<CallHistory>('GET', `${callPath(id)}/history`);
  }

  /** Ask the agent to check it at its next pass (400 for a human-verifiable call). */
  checkNow(id: string): Promise<CallHistory> {
    return this.http.request<CallHistory>('POST', `${callPath(id)}/check`);
  }

  due(limit = 100): Promise<DueCalls> {
    return this.http.request<DueCalls>('GET', `/api/due?limit=${limit}`);
  }

  stats(): Promise<TrackRecord> {
    return this.http.request<TrackRecord>('GET', '/api/stats');
  }

  /** Whether your public track record (`/u/{username}`: the calls you shared and their record) is on. */
  publicProfile(): Promise<PublicProfile> {
    return this.http.request<PublicProfile>('GET', '/api/profile/public');
  }

  /** Turn it on (the same address as before, if it was on once) or off (it answers 404 at once). */
  setPublicProfile(enabled: boolean): Promise<PublicProfile> {
    return this.http.request<PublicProfile>('PUT', '/api/profile/public', { enabled });
  }
}

function callPath(id: string): string {
  return `/api/calls/${encodeURIComponent(id)}`;
}
