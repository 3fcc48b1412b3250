// The demo page's script: an ES module on @wsgate/client, which fetches a fresh single-use
// ticket before every (re)connection attempt. Every string from the server is rendered with
// textContent — data, never markup — and the CSP (script-src 'self') runs no inline script.
import { connect } from '/vendor/wsgate-client/index.js';

const $ = (id) => document.getElementById(id);

/** Where the ticket travels: `wsgate.ticket.<ticket>` subprotocol (default), or `?transport=query`. */
const TRANSPORT = new URLSearchParams(location.search).get('transport') === 'query' ? 'query' : 'subprotocol';

/** `#status` text per `data-state`. */
const STATUS_TEXT = {
  'logged-out': 'logged out',
  connecting: 'connecting…',
  connected: 'connected',
  reconnecting: 'reconnecting…',
  disconnected: 'disconnected',
};

/** The current @wsgate client, or null when logged out / stopped. */
let client = null;
/** The room joined last: joined again on every new connection. */
let room = null;
/** Set by the logout button: however the client stops next, the page is logged out. */
let loggingOut = false;

function setStatus(state, detail) {
  const status = $('status');
  status.dataset.state = state;
  status.textContent = detail ? STATUS_TEXT[state] + ' ' + detail : STATUS_TEXT[state];
}

function showChat(visible) {
  $('login-form').hidden = visible;
  $('chat').hidden = !visible;
}

function addLine(kind, from, text) {
  const item = document.createElement('li');
  item.className = kind;
  item.dataset.testid = kind + '-line';
  if (from) {
    item.dataset.from = String(from);
    const who = document.createElement('span');
    who.className = 'from';
    who.dataset.testid = 'line-from';
    who.textContent = String(from);
    item.append(who, document.createTextNode(': '));
  }
  const body = document.createElement('span');
  body.className = 'text';
  body.dataset.testid = 'line-text';
  body.textContent = String(text);
  item.appendChild(body);
  $('log').appendChild(item);
  $('log').scrollTop = $('log').scrollHeight;
}

/** Sends through the client; a stopped client (WSGATE_CLIENT_CLOSED) is shown, not thrown. */
function send(message) {
  if (!client) return addLine('error', '', 'not connected');
  try {
    client.send(message);
  } catch (error) {
    addLine('error', '', error && error.code ? error.code : 'send failed');
  }
}

/** Stops the current client without reporting it (it is being replaced or the page logs out). */
function dropClient() {
  const current = client;
  client = null;
  if (current) current.close();
}

function start() {
  dropClient();
  loggingOut = false;
  let opened = false;
  const current = connect({
    ticketUrl: '/ws-ticket',
    url: '/ws',
    transport: TRANSPORT,
    fetchInit: { credentials: 'same-origin' },
    reconnect: { initialDelayMs: 250, maxDelayMs: 4000 },
  });
  client = current;
  setStatus('connecting');

  const mine = (handler) => (payload) => {
    if (client === current) handler(payload);
  };
  current.on(
    'state',
    mine((state) => {
      if (state === 'connecting' || state === 'reconnecting') setStatus(state);
      else if (state === 'open') {
        opened = true;
        setStatus('connected');
      }
      // 'closed' is reported by 'stopped', which says why.
    }),
  );
  current.on(
    'close',
    mine(({ code }) => {
      $('status').dataset.closeCode = String(code);
      if (opened) addLine('system', '', 'connection closed (' + code + ')');
      opened = false;
    }),
  );
  current.on(
    'stopped',
    mine(({ reason, closeCode, statusCode }) => {
      client = null;
      showChat(false);
      if (loggingOut || reason === 'unauthenticated') {
        const why = closeCode ? '(server closed ' + closeCode + ')' : statusCode ? '(session ended)' : '';
        setStatus('logged-out', why);
      } else {
        setStatus('disconnected', '(' + reason + ')');
      }
    }),
  );
  current.on(
    'welcome',
    mine((frame) => {
      setStatus('connected', 'as ' + String(frame.user));
      $('status').dataset.user = String(frame.user);
      if (room) send({ type: 'join', room });
    }),
  );
  current.on(
    'joined',
    mine((frame) => {
      room = String(frame.room);
      addLine('system', '', 'joined ' + room);
    }),
  );
  current.on(
    'chat',
    mine((frame) => addLine('chat', frame.from, frame.text)),
  );
  current.on(
    'announce',
    mine((frame) => addLine('announce', 'announcement from ' + String(frame.from), frame.text)),
  );
  current.on(
    'message',
    mine((frame) => {
      // Server error frames: `error` is a lifecycle name, so they arrive only here.
      if (frame.type === 'error') addLine('error', '', String(frame.code) + ': ' + String(frame.message));
    }),
  );
}

$('transport').textContent = TRANSPORT;

$('login-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const response = await fetch('/login', {
    method: 'POST',
    credentials: 'same-origin',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: $('username').value, password: $('password').value }),
  });
  if (!response.ok) return setStatus('logged-out', '(login failed)');
  showChat(true);
  start();
});

$('join-form').addEventListener('submit', (event) => {
  event.preventDefault();
  send({ type: 'join', room: $('room').value });
});

$('chat-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const text = $('text').value;
  if (!text) return;
  if (!room) return addLine('error', '', 'join a room first');
  send({ type: 'chat', room, text });
  $('text').value = '';
});

$('logout').addEventListener('click', async () => {
  const current = client;
  loggingOut = true;
  room = null;
  await fetch('/logout', { method: 'POST', credentials: 'same-origin' });
  // The server closes the session's socket with 4401 within a second, which stops the client.
  // Without an open socket (e.g. while reconnecting) nothing would: stop it here after a grace period.
  setTimeout(() => {
    if (client === current && current) {
      client = null;
      current.close();
      showChat(false);
      setStatus('logged-out');
    }
  }, 1500);
});
