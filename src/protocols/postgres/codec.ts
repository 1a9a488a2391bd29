import type { AnyToxicAttributes } from '../../api/toxic-types.js';
import type { Codec, CodecOptions, CodecRequest, RenderedAnswer } from '../pipeline/codec.js';
import { describeError, renderError } from './errors.js';
import { PgReplyScanner } from './replies.js';
import { PgRequestScanner } from './requests.js';
import { PgSession } from './session.js';
import { PgRequestView } from './view.js';

/** One PostgreSQL (protocol 3) connection's codec. */
export function createPostgresCodec(options: CodecOptions): Codec {
  const session = new PgSession(options);
  return {
    requests: new PgRequestScanner(session),
    replies: new PgReplyScanner(session),
    // The client speaks first; the StartupMessage is the opening request.
    opening: () => null,
    render(reply: AnyToxicAttributes, request: CodecRequest, toxic: string): RenderedAnswer {
      const view = request instanceof PgRequestView ? request : new PgRequestView(request.method, request.path, true, request.opening);
      return renderError(reply, view, toxic, session);
    },
    describe: describeError,
  };
}
