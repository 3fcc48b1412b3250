// The demo page's `ws` transport: @wsgate/client, which fetches a fresh single-use ticket before
// every (re)connection attempt. Served as /chat-transport.js by the `ws` samples. Hands the page
// (app.js) what it shows, as plain values; every server frame is data, never markup.
import { connect } from '/vendor/wsgate-client/index.js';

/** Where the ticket travels: `wsgate.ticket.<ticket>` subprotocol (default), or `?transport=query`. */
export const TRANSPORT =
  new URLSearchParams(location.search).get('transport') === 'query' ? 'query' : 'subprotocol';

/**
 * Connects and reports to `on`: `state(state)`, `welcome(user)`, `joined(room)`, `chat(from,
 * text)`, `announce(from, text)`, `error(code, message)`, `closed(code)` (a connection ended),
 * `stopped(reason, why)` (for good). Returns `{ join(room), chat(room, text), close() }`.
 */
export function openChat(on) {
  const client = connect({
    ticketUrl: '/ws-ticket',
    url: '/ws',
    transport: TRANSPORT,
    fetchInit: { credentials: 'same-origin' },
    reconnect: { initialDelayMs: 250, maxDelayMs: 4000 },
  });
  client.on('state', (state) => on.state(state));
  client.on('close', ({ code }) => on.closed(String(code)));
  client.on('stopped', ({ reason, closeCode, statusCode }) =>
    on.stopped(reason, closeCode ? 'server closed ' + closeCode : statusCode ? 'session ended' : ''),
  );
  client.on('welcome', (frame) => on.welcome(String(frame.user)));
  client.on('joined', (frame) => on.joined(String(frame.room)));
  client.on('chat', (frame) => on.chat(frame.from, frame.text));
  client.on('announce', (frame) => on.announce(frame.from, frame.text));
  // Server error frames: `error` is a lifecycle name, so they arrive only here.
  client.on('message', (frame) => {
    if (frame.type === 'error') on.error(frame.code, frame.message);
  });

  /** Sends through the client; a stopped client (WSGATE_CLIENT_CLOSED) is shown, not thrown. */
  const send = (message) => {
    try {
      client.send(message);
    } catch (error) {
      on.error(error && error.code ? error.code : 'SEND_FAILED', 'send failed');
    }
  };
  return {
    join: (room) => send({ type: 'join', room }),
    chat: (room, text) => send({ type: 'chat', room, text }),
    close: () => client.close(),
  };
}
