import type { AnyToxicAttributes } from '../../api/toxic-types.js';
import type { RenderedAnswer } from '../pipeline/codec.js';
import { Phase, ReplyKind, type MySession } from './session.js';
import type { MyRequestView } from './view.js';

/** ER_UNKNOWN_ERROR and the general SQLSTATE: what a fault says when the toxic names neither. */
export const DEFAULT_CODE = 1105;
export const DEFAULT_SQLSTATE = 'HY000';

/**
 * An ERR packet: FF, the code (LE u16), `#` and the SQLSTATE, the message; its sequence id
 * follows the command's last packet. In place of the greeting it has sequence id 0 and, as a
 * real server's refusal, no SQLSTATE unless the toxic names one; the connection then closes.
 */
export function renderErr(reply: AnyToxicAttributes, request: MyRequestView, toxic: string, session: MySession): RenderedAnswer {
  const queued = session.expected.indexOf(request);
  if (queued >= 0) session.expected.splice(queued, 1);
  const opening = request.opening === true;
  if (!opening && request.kind === null) return { bytes: Buffer.alloc(0), close: true };
  if (request.kind === ReplyKind.Prepare) session.lastPrepareAnswered = true;
  // COM_CHANGE_USER answered here: no authentication exchange follows, the client goes on with commands.
  if (request.kind === ReplyKind.Auth) session.phase = Phase.Command;
  const code = typeof reply.code === 'number' ? reply.code : DEFAULT_CODE;
  const sqlstate = typeof reply.sqlstate === 'string' ? reply.sqlstate : opening ? null : DEFAULT_SQLSTATE;
  const message = Buffer.from(typeof reply.message === 'string' ? reply.message : `faultline: injected by toxic ${toxic}`, 'utf8');
  // A client takes at most 512 bytes of message (MYSQL_ERRMSG_SIZE).
  const text = message.subarray(0, 512);
  const payload = 3 + (sqlstate === null ? 0 : 6) + text.length;
  const bytes = Buffer.allocUnsafe(4 + payload);
  bytes.writeUIntLE(payload, 0, 3);
  bytes[3] = opening ? 0 : (request.seq + 1) & 0xff;
  bytes[4] = 0xff;
  bytes.writeUInt16LE(code, 5);
  let at = 7;
  if (sqlstate !== null) {
    bytes[at++] = 0x23;
    at += bytes.write(sqlstate, at, 'latin1');
  }
  text.copy(bytes, at);
  return { bytes, close: opening };
}

/**
 * What the server says to a COM_STMT_EXECUTE of a statement it does not have: MariaDB's
 * pipelined PREPARE + EXECUTE(0xFFFFFFFF) after the PREPARE was answered here with an error.
 */
export function unknownStatement(seq: number): Buffer {
  const text = Buffer.from('Unknown prepared statement handler (4294967295) given to mysqld_stmt_execute');
  const bytes = Buffer.allocUnsafe(4 + 9 + text.length);
  bytes.writeUIntLE(9 + text.length, 0, 3);
  bytes[3] = (seq + 1) & 0xff;
  bytes[4] = 0xff;
  bytes.writeUInt16LE(1243, 5);
  bytes.write('#HY000', 7, 'latin1');
  text.copy(bytes, 13);
  return bytes;
}

export function describeErr(reply: AnyToxicAttributes): string {
  const code = typeof reply.code === 'number' ? reply.code : DEFAULT_CODE;
  const sqlstate = typeof reply.sqlstate === 'string' ? reply.sqlstate : DEFAULT_SQLSTATE;
  return `answered error ${code} SQLSTATE ${sqlstate}`;
}
