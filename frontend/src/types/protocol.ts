import type { Check, InAppNotification, Verdict } from '../api/types';
// The WebSocket protocol (v1) and the call, as DESIGN.md defines them and the Python domain models
// (src/calledit/domain) implement them. tests/unit/types/schema.test.ts checks sample values of these
// types against the JSON Schemas the backend exports to docs/schema/.

export const VERIFICATION_MODES = ['immediate', 'at_date', 'before_date', 'recurring'] as const;
export type VerificationMode = (typeof VERIFICATION_MODES)[number];

export type RecurringInterval = 'daily' | 'weekly';

export const VERIFIABLE_CATEGORIES = [
  'agent_verifiable',
  'current_tool_verifiable',
  'strands_tool_verifiable',
  'api_tool_verifiable',
  'human_verifiable_only',
] as const;
export type VerifiableCategory = (typeof VERIFIABLE_CATEGORIES)[number];

export const CALL_STATUSES = ['pending', 'verified', 'inconclusive', 'void'] as const;
export type CallStatus = (typeof CALL_STATUSES)[number];

export const VERDICT_OUTCOMES = ['confirmed', 'refuted', 'inconclusive'] as const;
export type VerdictOutcome = (typeof VERDICT_OUTCOMES)[number];

export interface VerificationMethod {
  source: string[];
  criteria: string[];
  steps: string[];
}

/** A complete call as the `complete` event carries it, before it is logged. */
export interface CallContent {
  raw_prompt: string;
  prediction_statement: string;
  /** ISO 8601 with offset. */
  verification_date: string;
  date_reasoning: string;
  timezone: string;
  verification_mode: VerificationMode;
  recurring_interval: RecurringInterval | null;
  verifiable_category: VerifiableCategory;
  category_reasoning: string;
  /** 0.0–1.0: how reliably it can be checked, not how likely it is. */
  verifiability_score: number;
  /** Why the score is what it is: short reasons, each with its weight (set by code, not the model). */
  verifiability_factors: string[];
  verification_method: VerificationMethod;
  /** The executable check when outside data decides the call (its words are criteria[0]); else null. */
  check: Check | null;
  initial_status: 'pending';
  model: string;
}

/** What `call` events carry: the fields parsed so far (any of them may still be missing). */
export type PartialCall = Partial<Omit<CallContent, 'verification_method'>> & {
  verification_method?: Partial<VerificationMethod>;
};

// The REST shapes come from the server's OpenAPI document (src/api/schema.d.ts).
export type { CallPage, Check, Evidence, StoredCall, Verdict } from '../api/types';

/** Body of `POST /api/calls`. */
export interface CallCreate extends CallContent {
  /** The user's own probability (0.0–1.0) that it comes true. */
  confidence?: number | null;
}

// --- client -> server ------------------------------------------------------------------------------

export interface MakeCallAction {
  action: 'makecall';
  prompt: string;
  timezone?: string;
}
export interface CancelAction {
  action: 'cancel';
}
export interface PingAction {
  action: 'ping';
}
export type ClientAction = MakeCallAction | CancelAction | PingAction;
export type ActionName = ClientAction['action'];
/** The fields of an action other than `action` itself, as `WebSocketService.send` takes them. */
export type ActionFields<A extends ActionName> = Omit<Extract<ClientAction, { action: A }>, 'action'>;

export const MAX_PROMPT_CHARS = 2000;

// --- server -> client ------------------------------------------------------------------------------

export const ERROR_CODES = [
  'bad_request',
  'too_large',
  'unauthorized',
  'forbidden',
  'rate_limited',
  'busy',
  'model_error',
  'cancelled',
  'internal',
  // REST only (an HTTP error's `code`): the WebSocket never sends these.
  'not_found',
  'method_not_allowed',
  'conflict',
] as const;
/** Every error `code` the server sends, in a WebSocket `error` event or a REST error body. */
export type ErrorCode = (typeof ERROR_CODES)[number];

export interface StatusEvent {
  type: 'status';
  status: 'processing' | 'queued' | 'complete';
  message?: string | null;
  /** 1 = next in line (queued only). */
  position?: number | null;
}
export interface TextEvent {
  type: 'text';
  content: string;
}
export interface ToolEvent {
  type: 'tool';
  name: string;
  input: Record<string, unknown>;
}
export interface CallPartialEvent {
  type: 'call';
  call: PartialCall;
}
export interface CompleteEvent {
  type: 'complete';
  content: CallContent;
}
export interface VerdictEvent {
  type: 'verdict';
  call_id: string;
  verdict: Verdict;
}
/** A new in-app notification of this user (the bell), with how many are unread now. */
export interface NotificationEvent {
  type: 'notification';
  notification: InAppNotification;
  unread: number;
}
export interface ErrorEvent {
  type: 'error';
  code: ErrorCode;
  message: string;
  /** Seconds to wait (rate_limited only). */
  retry_after?: number | null;
}
export interface PongEvent {
  type: 'pong';
}

export type ServerEvent =
  | StatusEvent
  | TextEvent
  | ToolEvent
  | CallPartialEvent
  | CompleteEvent
  | VerdictEvent
  | NotificationEvent
  | ErrorEvent
  | PongEvent;
export type ServerEventType = ServerEvent['type'];
export type ServerEventOf<T extends ServerEventType> = Extract<ServerEvent, { type: T }>;

const SERVER_EVENT_TYPES: ReadonlySet<string> = new Set<ServerEventType>([
  'status',
  'text',
  'tool',
  'call',
  'complete',
  'verdict',
  'notification',
  'error',
  'pong',
]);

/** A cheap shape check at the boundary: a JSON object whose `type` is one we know. */
export function isServerEvent(value: unknown): value is ServerEvent {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    typeof (value as { type?: unknown }).type === 'string' &&
    SERVER_EVENT_TYPES.has((value as { type: string }).type)
  );
}
