// The demo page's Socket.IO transport: socket.io-client through @wsgate/client/socket.io, which
// fetches a fresh single-use ticket before every (re)connection attempt. Served as
// /chat-transport.js by the Socket.IO sample, with the same interface as ws-transport.js; every
// payload from the server is data, never markup.
import { io } from '/vendor/socket.io-client/socket.io.esm.min.js';
import { connectSocketIo } from '/vendor/wsgate-client/socket.io/index.js';

/** The ticket travels in the Socket.IO handshake query. */
export const TRANSPORT = 'socket.io';

/** See ws-transport.js: the same callbacks, from Socket.IO events and acknowledgements. */
export function openChat(on) {
  const client = connectSocketIo({
    io,
    url: location.origin,
    ticketUrl: '/ws-ticket',
    fetchInit: { credentials: 'same-origin' },
    reconnect: { initialDelayMs: 250, maxDelayMs: 4000 },
  });
  const { socket } = client;
  let lastException = '';
  client.on('state', (state) => on.state(state));
  // After the socket's own `disconnect` listeners (the helper stops from its listener first).
  client.on('stopped', ({ reason, code, statusCode }) =>
    queueMicrotask(() =>
      on.stopped(reason, code ? 'server disconnected: ' + code : statusCode ? 'session ended' : ''),
    ),
  );
  socket.on('welcome', (welcome) => on.welcome(String(welcome.user)));
  socket.on('chat', (chat) => on.chat(chat.from, chat.text));
  socket.on('announce', (announce) => on.announce(announce.from, announce.text));
  socket.on('exception', (error) => {
    lastException = String(error.code);
    on.error(error.code, error.message);
  });
  socket.on('connect', () => {
    lastException = '';
  });
  socket.on('disconnect', (reason) => on.closed(lastException || reason));

  /** Emits with an acknowledgement; a refusal (`{ ok: false, error }`) is shown as an error line. */
  const ask = (event, payload, answered) => {
    if (!socket.connected) return on.error('NOT_CONNECTED', 'not connected');
    socket.timeout(10_000).emit(event, payload, (timeout, answer) => {
      if (timeout) on.error('TIMEOUT', 'no answer');
      else if (answer && answer.ok === true) answered(answer);
      else
        on.error(answer && answer.error && answer.error.code, answer && answer.error && answer.error.message);
    });
  };
  return {
    join: (room) => ask('join', { room }, (answer) => on.joined(String(answer.room))),
    chat: (room, text) => ask('chat', { room, text }, () => undefined),
    close: () => client.close(),
  };
}
