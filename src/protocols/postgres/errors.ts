import type { AnyToxicAttributes } from '../../api/toxic-types.js';
import type { RenderedAnswer } from '../pipeline/codec.js';
import type { PgSession } from './session.js';
import type { PgRequestView } from './view.js';

/** internal_error: what a fault says when the toxic names no SQLSTATE. */
export const DEFAULT_SQLSTATE = 'XX000';

/**
 * An ErrorResponse (S and V severity, C SQLSTATE, M message), then ReadyForQuery with the status
 * the server would report: an error inside a transaction block leaves it failed (`E`). FATAL and
 * PANIC close instead, as does any error at startup (the session is refused).
 */
export function renderError(reply: AnyToxicAttributes, request: PgRequestView, toxic: string, session: PgSession): RenderedAnswer {
  request.answered = true;
  if (request.counted) {
    request.counted = false;
    if (session.pending > 0) session.pending--;
  }
  if (!request.expectsReply) return { bytes: Buffer.alloc(0), close: true };
  const opening = request.opening === true;
  const severity = typeof reply.severity === 'string' ? reply.severity : opening ? 'FATAL' : 'ERROR';
  const sqlstate = typeof reply.sqlstate === 'string' ? reply.sqlstate : DEFAULT_SQLSTATE;
  const message = typeof reply.message === 'string' ? reply.message : `faultline: injected by toxic ${toxic}`;
  const fields = [`S${severity}`, `V${severity}`, `C${sqlstate}`, `M${message}`];
  const bodyLength = fields.reduce((n, f) => n + Buffer.byteLength(f) + 1, 0) + 1;
  const close = opening || severity !== 'ERROR';
  const bytes = Buffer.allocUnsafe(1 + 4 + bodyLength + (close ? 0 : 6));
  bytes[0] = 0x45;
  bytes.writeInt32BE(4 + bodyLength, 1);
  let at = 5;
  for (const f of fields) {
    at += bytes.write(f, at);
    bytes[at++] = 0;
  }
  bytes[at++] = 0;
  if (!close) {
    bytes[at++] = 0x5a;
    bytes.writeInt32BE(5, at);
    bytes[at + 4] = session.status === 0x49 ? 0x49 : 0x45;
  }
  return { bytes, close };
}

export function describeError(reply: AnyToxicAttributes): string {
  const sqlstate = typeof reply.sqlstate === 'string' ? reply.sqlstate : DEFAULT_SQLSTATE;
  const severity = typeof reply.severity === 'string' && reply.severity !== 'ERROR' ? `${reply.severity} ` : '';
  return `answered ${severity}SQLSTATE ${sqlstate}`;
}
