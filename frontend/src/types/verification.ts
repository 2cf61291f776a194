// The verification REST API (src/calledit/server/verification_api.py and domain/track_record.py):
// resolving by hand, history, calls due for the owner, and the track record.
import type { CallStatus, StoredCall, Verdict } from './protocol';

/** What a person may set by hand (`POST /api/calls/{id}/resolve`). */
export const RESOLUTIONS = ['confirmed', 'refuted', 'void'] as const;
export type Resolution = (typeof RESOLUTIONS)[number];

/** What a change moved a call from and to (what undo restores). */
export interface CallState {
  status: CallStatus;
  verdict: Verdict | null;
  confidence: number | null;
  next_check_at: string | null;
}

export const CHANGE_ACTIONS = ['verified', 'checked', 'resolved', 'overridden', 'confidence', 'undone'] as const;
export type ChangeAction = (typeof CHANGE_ACTIONS)[number];

/** One entry of a call's history. */
export interface CallChange {
  id: string;
  call_id: string;
  at: string;
  actor: 'agent' | 'owner';
  action: ChangeAction;
  before: CallState;
  after: CallState;
  note: string | null;
  /** For `undone`: the id of the change it undid. */
  undoes: string | null;
}

/** `GET /api/calls/{id}/history` (and the answer to `POST .../check`). */
export interface CallHistory {
  call_id: string;
  /** When the agent checks next; null = it won't (only you can resolve it now). */
  next_check_at: string | null;
  /** Inconclusive checks so far for the current due point. */
  attempts: number;
  /** Oldest first. */
  changes: CallChange[];
}

/** `GET /api/due`: calls waiting for their owner to resolve them. */
export interface DueCalls {
  items: StoredCall[];
}

export interface CalibrationBin {
  lower: number;
  upper: number;
  count: number;
  /** Where the bin's point is drawn (x); null when the bin is empty. */
  mean_forecast: number | null;
  /** Share of the bin's calls that were confirmed (y); null when empty. */
  observed_rate: number | null;
}

/** `GET /api/stats`: the user's track record. */
export interface TrackRecord {
  total: number;
  pending: number;
  /** Confirmed: it came true. */
  called_it: number;
  /** Refuted: it did not. */
  missed_it: number;
  void: number;
  inconclusive: number;
  /** Resolved calls with a confidence: the ones the Brier score covers. */
  scored: number;
  /** Mean of (confidence − outcome)², outcome 1 confirmed / 0 refuted; 0 best, 1 worst; null if none scored. */
  brier: number | null;
  calibration: CalibrationBin[];
}
