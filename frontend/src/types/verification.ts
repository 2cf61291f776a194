// The verification REST types, generated from the server's OpenAPI document (see src/api/types.ts).
export type {
  CalibrationBin,
  CallChange,
  CallHistory,
  CallState,
  DueCalls,
  Resolution,
  TrackRecord,
} from '../api/types';

/** What a person may set by hand (`POST /api/calls/{id}/resolve`). */
export const RESOLUTIONS = ['confirmed', 'refuted', 'void'] as const;
