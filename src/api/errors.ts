/**
 * Errors of the control API. Each has a stable `code` for programs and Toxiproxy's exact
 * `message` for humans and for clients that match on the text.
 */
export type ApiErrorCode =
  | 'BAD_REQUEST_BODY'
  | 'MISSING_FIELD'
  | 'INVALID_VALUE'
  | 'PROXY_EXISTS'
  | 'PROXY_NOT_FOUND'
  | 'TOXIC_EXISTS'
  | 'TOXIC_NOT_FOUND'
  | 'INVALID_TOXIC_TYPE'
  | 'INVALID_STREAM'
  | 'LISTEN_FAILED'
  | 'CONNECTION_NOT_FOUND'
  | 'BODY_TOO_LARGE'
  | 'LIMIT_EXCEEDED'
  | 'UNAVAILABLE'
  | 'LEASE_NOT_FOUND'
  | 'PRESET_NOT_FOUND'
  | 'RUN_NOT_FOUND'
  | 'UNAUTHORIZED'
  | 'FORBIDDEN'
  | 'INTERNAL';

export class ApiError extends Error {
  readonly status: number;
  readonly code: ApiErrorCode;

  constructor(status: number, code: ApiErrorCode, message: string) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
  }

  /** The body Toxiproxy sends: `{"error":"…","status":N}`. */
  toJSON(): { error: string; status: number } {
    return { error: this.message, status: this.status };
  }
}

/** Messages that are the whole error, as the server sends them, by code. */
const EXACT: Record<string, ApiErrorCode> = {
  'proxy already exists': 'PROXY_EXISTS',
  'proxy not found': 'PROXY_NOT_FOUND',
  'toxic already exists': 'TOXIC_EXISTS',
  'toxic not found': 'TOXIC_NOT_FOUND',
  'invalid toxic type': 'INVALID_TOXIC_TYPE',
  'stream was invalid, can be either upstream or downstream': 'INVALID_STREAM',
  'connection not found': 'CONNECTION_NOT_FOUND',
};

/**
 * The code of an error a server described only in words: Toxiproxy's error bodies (and so
 * faultline's) carry a message and a status, no code. Lets a client match errors by what they
 * are rather than by HTTP status; undefined for a message it does not know.
 */
export function errorCodeOf(message: string): ApiErrorCode | undefined {
  const exact = EXACT[message];
  if (exact !== undefined) return exact;
  if (message.startsWith('invalid toxic type')) return 'INVALID_TOXIC_TYPE';
  if (message.startsWith('bad request body: larger than')) return 'BODY_TOO_LARGE';
  if (message.startsWith('bad request body')) return 'BAD_REQUEST_BODY';
  if (message.startsWith('missing required field')) return 'MISSING_FIELD';
  if (message.startsWith('too many ')) return 'LIMIT_EXCEEDED';
  if (message.startsWith('listen tcp')) return 'LISTEN_FAILED';
  if (message.startsWith('preset not found')) return 'PRESET_NOT_FOUND';
  if (message === 'run not found') return 'RUN_NOT_FOUND';
  if (message.startsWith('missing or wrong API token')) return 'UNAUTHORIZED';
  return undefined;
}

export const badRequestBody = (detail: string): ApiError =>
  new ApiError(400, 'BAD_REQUEST_BODY', `bad request body: ${detail}`);
export const missingField = (field: string, where = ''): ApiError =>
  new ApiError(400, 'MISSING_FIELD', `missing required field: ${field}${where}`);
export const proxyExists = (): ApiError => new ApiError(409, 'PROXY_EXISTS', 'proxy already exists');
export const proxyNotFound = (): ApiError => new ApiError(404, 'PROXY_NOT_FOUND', 'proxy not found');
export const toxicExists = (): ApiError => new ApiError(409, 'TOXIC_EXISTS', 'toxic already exists');
export const toxicNotFound = (): ApiError => new ApiError(404, 'TOXIC_NOT_FOUND', 'toxic not found');
export const invalidToxicType = (): ApiError =>
  new ApiError(400, 'INVALID_TOXIC_TYPE', 'invalid toxic type');
export const invalidStream = (): ApiError =>
  new ApiError(400, 'INVALID_STREAM', 'stream was invalid, can be either upstream or downstream');
export const listenFailed = (message: string): ApiError =>
  new ApiError(500, 'LISTEN_FAILED', message);
export const connectionNotFound = (): ApiError =>
  new ApiError(404, 'CONNECTION_NOT_FOUND', 'connection not found');
/** The API token (`--api-token`) is set and this request did not carry it. */
export const unauthorized = (): ApiError =>
  new ApiError(401, 'UNAUTHORIZED', 'missing or wrong API token: send "Authorization: Bearer <token>"');
