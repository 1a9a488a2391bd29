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
  | 'LEASE_NOT_FOUND'
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
