import { UNFRAMEABLE, type ReplyScanner } from '../pipeline/codec.js';
import type { PgSession } from './session.js';

/** An ErrorResponse's severity comes first in practice; this much of it is enough to read it. */
const ERROR_HEAD = 256;

/** Backend message types of protocol 3; any other byte means the stream is not PostgreSQL. */
const BACKEND = new Uint8Array(256);
for (const c of 'RKZTDCINA123tnsGHWVvdcES') BACKEND[c.charCodeAt(0)] = 1;

/**
 * Cuts the server's side into reply units: everything up to and including ReadyForQuery (the
 * reply to a startup, a Query, a FunctionCall or a batch), or a FATAL ErrorResponse, after which
 * the server closes. NoticeResponse, ParameterStatus and NotificationResponse at a unit's start
 * answer nothing and are units of their own.
 */
export class PgReplyScanner implements ReplyScanner {
  complete = false;
  unsolicited = false;
  stopAfter: string | null = null;
  reason: string | null = null;

  private inUnit = false;
  private readonly head = Buffer.alloc(5);
  private headHave = 0;
  private type = 0;
  private bodyLeft = 0;
  private readonly error = Buffer.alloc(ERROR_HEAD);
  private errorHave = 0;
  private status = 0;

  constructor(private readonly session: PgSession) {}

  /** Why framing stopped, for the framing-stopped event. */
  private unframeable(): number {
    this.reason = `not a PostgreSQL backend message (type 0x${this.type.toString(16).padStart(2, '0')})`;
    return UNFRAMEABLE;
  }

  reset(): void {
    this.complete = false;
    this.unsolicited = false;
    this.inUnit = false;
  }

  scan(chunk: Buffer, off: number, end: number): number {
    if (off < end && this.session.encryptionPending !== 0 && this.headHave === 0) return this.encryptionAnswer(chunk, off);
    while (off < end) {
      if (this.headHave === 0 && end - off >= 5) {
        // The usual case, a whole header in the chunk: read it where it is.
        if (!this.messageHead(chunk, off)) return this.unframeable();
        this.headHave = 5;
        off += 5;
        if (this.bodyLeft === 0) {
          this.messageEnd();
          if (this.complete) return off;
        }
        continue;
      }
      if (this.headHave < 5) {
        const take = Math.min(5 - this.headHave, end - off);
        chunk.copy(this.head, this.headHave, off, off + take);
        this.headHave += take;
        off += take;
        if (this.headHave < 5) return off;
        if (!this.messageHead(this.head, 0)) return this.unframeable();
        if (this.bodyLeft === 0) {
          this.messageEnd();
          if (this.complete) return off;
        }
        continue;
      }
      const take = Math.min(this.bodyLeft, end - off);
      if (this.type === 0x45 && this.errorHave < ERROR_HEAD) {
        this.errorHave += chunk.copy(this.error, this.errorHave, off, off + Math.min(take, ERROR_HEAD - this.errorHave));
      } else if (this.type === 0x5a) {
        this.status = chunk[off] as number;
      }
      off += take;
      this.bodyLeft -= take;
      if (this.bodyLeft === 0) {
        this.messageEnd();
        if (this.complete) return off;
      }
    }
    return off;
  }

  /** The one byte answering an SSLRequest or GSSENCRequest passed through under `tls: pass`. */
  private encryptionAnswer(chunk: Buffer, off: number): number {
    const b = chunk[off] as number;
    const pending = this.session.encryptionPending;
    this.session.encryptionPending = 0;
    if (b === 0x45 /* E: a server too old for the request answers with an error */) return this.scan(chunk, off, off + 1);
    if (b !== 0x4e && b !== pending) return this.unframeable();
    if (b === pending) this.stopAfter = pending === 0x53 ? 'the server accepted TLS' : 'the server accepted GSSAPI encryption';
    this.unitEnd();
    return off + 1;
  }

  private messageHead(buf: Buffer, at: number): boolean {
    const t = buf[at] as number;
    const length = buf.readInt32BE(at + 1);
    this.type = t;
    if (BACKEND[t] !== 1 || length < 4 || (t === 0x5a && length !== 5)) return false;
    this.bodyLeft = length - 4;
    this.errorHave = 0;
    if (!this.inUnit) {
      // Notices, parameter changes and notifications can come at any time and answer nothing;
      // an error while nothing is outstanding is a FATAL on an idle session.
      const alone = t === 0x4e || t === 0x53 || t === 0x41 || (t === 0x45 && this.session.pending === 0);
      this.unsolicited = alone;
      this.inUnit = !alone;
    }
    return true;
  }

  private messageEnd(): void {
    this.headHave = 0;
    const t = this.type;
    if (this.unsolicited) {
      this.complete = true;
      return;
    }
    if (t === 0x5a) {
      this.session.status = this.status;
      this.unitEnd();
    } else if (t === 0x45 && fatal(this.error.subarray(0, this.errorHave))) {
      this.unitEnd();
    } else if (t === 0x57 /* CopyBothResponse */) {
      this.stopAfter = 'COPY BOTH (replication) is not framed';
      this.unitEnd();
    }
  }

  private unitEnd(): void {
    this.complete = true;
    if (this.session.pending > 0) this.session.pending--;
  }
}

/** Whether an ErrorResponse body's severity (V, else S) is FATAL or PANIC: the server closes after it. */
function fatal(body: Buffer): boolean {
  let at = 0;
  let severity: string | undefined;
  while (at < body.length && body[at] !== 0) {
    const code = body[at] as number;
    const nul = body.indexOf(0, at + 1);
    if (nul < 0) break;
    if (code === 0x56 /* V */) {
      severity = body.toString('latin1', at + 1, nul);
      break;
    }
    if (code === 0x53 /* S */) severity ??= body.toString('latin1', at + 1, nul);
    at = nul + 1;
  }
  return severity === 'FATAL' || severity === 'PANIC';
}
