// The demo page's script, whatever carries the chat: /chat-transport.js is the `ws` transport
// (ws-transport.js, @wsgate/client) or the Socket.IO one (socketio-transport.js), as the sample
// serving the page chooses. Every string from the server is rendered with textContent — data,
// never markup — and the CSP (script-src 'self') runs no inline script.
import { openChat, TRANSPORT } from '/chat-transport.js';

const $ = (id) => document.getElementById(id);

/** `#status` text per `data-state`. */
const STATUS_TEXT = {
  'logged-out': 'logged out',
  connecting: 'connecting…',
  connected: 'connected',
  reconnecting: 'reconnecting…',
  disconnected: 'disconnected',
};

/** The current chat connection, or null when logged out / stopped. */
let chat = null;
/** The room joined last: joined again on every new connection. */
let room = null;
/** Set by the logout button: however the connection stops next, the page is logged out. */
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

/** Stops the current connection without reporting it (it is being replaced or the page logs out). */
function dropChat() {
  const current = chat;
  chat = null;
  if (current) current.close();
}

function start() {
  dropChat();
  loggingOut = false;
  let opened = false;
  let current = null;
  // Reports of a replaced connection are ignored.
  const mine =
    (handler) =>
    (...args) => {
      if (chat === current) handler(...args);
    };
  current = openChat({
    state: mine((state) => {
      if (state === 'connecting' || state === 'reconnecting') setStatus(state);
      else if (state === 'open') {
        opened = true;
        setStatus('connected');
      }
      // 'closed' is reported by stopped(), which says why.
    }),
    closed: mine((code) => {
      $('status').dataset.closeCode = code;
      if (opened) addLine('system', '', 'connection closed (' + code + ')');
      opened = false;
    }),
    stopped: mine((reason, why) => {
      chat = null;
      showChat(false);
      if (loggingOut || reason === 'unauthenticated') setStatus('logged-out', why ? '(' + why + ')' : '');
      else setStatus('disconnected', '(' + reason + ')');
    }),
    welcome: mine((user) => {
      setStatus('connected', 'as ' + user);
      $('status').dataset.user = user;
      if (room) chat.join(room);
    }),
    joined: mine((joined) => {
      room = joined;
      addLine('system', '', 'joined ' + room);
    }),
    chat: mine((from, text) => addLine('chat', from, text)),
    announce: mine((from, text) => addLine('announce', 'announcement from ' + String(from), text)),
    error: mine((code, message) => addLine('error', '', String(code) + ': ' + String(message))),
  });
  chat = current;
  setStatus('connecting');
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
  if (!chat) return addLine('error', '', 'not connected');
  chat.join($('room').value);
});

$('chat-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const text = $('text').value;
  if (!text) return;
  if (!room) return addLine('error', '', 'join a room first');
  if (!chat) return addLine('error', '', 'not connected');
  chat.chat(room, text);
  $('text').value = '';
});

$('logout').addEventListener('click', async () => {
  const current = chat;
  loggingOut = true;
  room = null;
  await fetch('/logout', { method: 'POST', credentials: 'same-origin' });
  // The server ends the session's connection within a second (4401, or a Socket.IO disconnect
  // after `exception` UNAUTHENTICATED), which stops the client. Without an open connection (e.g.
  // while reconnecting) nothing would: stop it here after a grace period.
  setTimeout(() => {
    if (chat === current && current) {
      chat = null;
      current.close();
      showChat(false);
      setStatus('logged-out');
    }
  }, 1500);
});
