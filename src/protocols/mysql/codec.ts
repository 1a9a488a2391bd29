import type { AnyToxicAttributes } from '../../api/toxic-types.js';
import type { Codec, CodecOptions, CodecRequest, RenderedAnswer } from '../pipeline/codec.js';
import { describeErr, renderErr } from './errors.js';
import { MyReplyScanner } from './replies.js';
import { MyRequestScanner } from './requests.js';
import { MySession, ReplyKind } from './session.js';
import { MyRequestView } from './view.js';

/** One MySQL/MariaDB (classic protocol) connection's codec. */
export function createMysqlCodec(options: CodecOptions): Codec {
  const session = new MySession(options);
  return {
    requests: new MyRequestScanner(session),
    replies: new MyReplyScanner(session),
    // The server speaks first: its greeting answers the session's opening.
    opening: () => {
      const view = new MyRequestView('CONNECT', '', null, -1, true);
      view.number = 1;
      return view;
    },
    render(reply: AnyToxicAttributes, request: CodecRequest, toxic: string): RenderedAnswer {
      const view = request instanceof MyRequestView ? request : new MyRequestView(request.method, request.path, ReplyKind.Result, 0, request.opening);
      return renderErr(reply, view, toxic, session);
    },
    describe: describeErr,
  };
}
