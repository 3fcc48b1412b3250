// The demo page: static HTML + a script served from /app.js (CSP forbids inline script).
// Everything the server sends is rendered with textContent, never innerHTML.

export const DEMO_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>@wsgate NestJS demo</title>
<link rel="stylesheet" href="/app.css">
</head>
<body>
<h1>@wsgate NestJS demo</h1>
<section>
  <h2>1. Log in</h2>
  <form id="login">
    <label>User <select id="username"><option>alice</option><option>bob</option></select></label>
    <label>Password <input id="password" type="password" autocomplete="current-password" placeholder="alice-password"></label>
    <button type="submit">Log in</button>
    <button type="button" id="logout">Log out</button>
  </form>
  <p>Signed in as: <output id="who">nobody</output></p>
</section>
<section>
  <h2>2. Connect</h2>
  <button type="button" id="connect">Get a ticket and connect</button>
  <button type="button" id="disconnect">Disconnect</button>
  <button type="button" id="whoami">whoami</button>
  <p>Socket: <output id="state">closed</output></p>
</section>
<section>
  <h2>3. Talk</h2>
  <form id="join"><label>Room <input id="room" value="lobby" pattern="[a-z0-9_-]{1,32}"></label> <button type="submit">Join</button></form>
  <form id="chat"><label>Message <input id="text" maxlength="2000"></label> <button type="submit">Send to room</button></form>
  <form id="announce"><label>Announcement (admin) <input id="announcement" maxlength="2000"></label> <button type="submit">Announce</button></form>
</section>
<section>
  <h2>Log</h2>
  <ol id="log"></ol>
</section>
<script src="/app.js"></script>
</body>
</html>
`;

export const DEMO_CSS = `body { font-family: system-ui, sans-serif; margin: 2rem; max-width: 50rem; }
section { border: 1px solid #ccc; border-radius: 6px; padding: 0 1rem 1rem; margin-bottom: 1rem; }
#log { font-family: ui-monospace, monospace; font-size: 0.85rem; white-space: pre-wrap; }
.error { color: #b00020; }
`;

export const DEMO_JS = `'use strict';
(function () {
  const $ = (id) => document.getElementById(id);
  let socket;

  function log(text, isError) {
    const item = document.createElement('li');
    item.textContent = text;
    if (isError) item.className = 'error';
    $('log').prepend(item);
  }

  function send(message) {
    if (!socket || socket.readyState !== WebSocket.OPEN) return log('not connected', true);
    socket.send(JSON.stringify(message));
  }

  async function post(path, body) {
    const init = { method: 'POST', credentials: 'same-origin', headers: {} };
    if (body !== undefined) {
      init.headers['content-type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    const response = await fetch(path, init);
    const text = await response.text();
    let json;
    try { json = text === '' ? undefined : JSON.parse(text); } catch { json = undefined; }
    return { status: response.status, json };
  }

  $('login').addEventListener('submit', async (event) => {
    event.preventDefault();
    const result = await post('/login', { username: $('username').value, password: $('password').value });
    if (result.status === 200) {
      $('who').textContent = result.json.user.id + ' (' + result.json.user.roles.join(', ') + ')';
      log('logged in as ' + result.json.user.id);
    } else {
      log('login refused: ' + result.status, true);
    }
  });

  $('logout').addEventListener('click', async () => {
    const result = await post('/logout');
    $('who').textContent = 'nobody';
    log('logout: ' + result.status);
  });

  $('connect').addEventListener('click', async () => {
    const result = await post('/ws-ticket');
    if (result.status !== 200) return log('ticket refused: ' + result.status + ' ' + (result.json && result.json.error), true);
    const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
    // The ticket travels as a subprotocol, so it never appears in a URL (or an access log).
    socket = new WebSocket(scheme + '//' + location.host + '/ws', ['wsgate', 'wsgate.ticket.' + result.json.ticket]);
    $('state').textContent = 'connecting';
    socket.addEventListener('open', () => { $('state').textContent = 'open (' + socket.protocol + ')'; });
    socket.addEventListener('close', (event) => {
      $('state').textContent = 'closed';
      log('closed: ' + event.code + ' ' + event.reason, event.code !== 1000);
    });
    socket.addEventListener('message', (event) => {
      let frame;
      try { frame = JSON.parse(event.data); } catch { return log('non-JSON frame', true); }
      switch (frame.type) {
        case 'welcome': return log('welcome ' + frame.user + ' [' + frame.roles.join(', ') + ']');
        case 'joined': return log('joined #' + frame.room);
        case 'chat': return log('#' + frame.room + ' ' + frame.from + ': ' + frame.text);
        case 'announce': return log('ANNOUNCEMENT from ' + frame.from + ': ' + frame.text);
        case 'whoami': return log('you are ' + frame.user + ' [' + frame.roles.join(', ') + ']');
        case 'error': return log('error ' + frame.code + ': ' + frame.message, true);
        default: return log('frame: ' + String(frame.type));
      }
    });
  });

  $('disconnect').addEventListener('click', () => { if (socket) socket.close(1000); });
  $('whoami').addEventListener('click', () => send({ type: 'whoami' }));
  $('join').addEventListener('submit', (event) => { event.preventDefault(); send({ type: 'join', room: $('room').value }); });
  $('chat').addEventListener('submit', (event) => {
    event.preventDefault();
    send({ type: 'chat', room: $('room').value, text: $('text').value });
    $('text').value = '';
  });
  $('announce').addEventListener('submit', (event) => {
    event.preventDefault();
    send({ type: 'announce', text: $('announcement').value });
    $('announcement').value = '';
  });
})();
`;

/** The page's Content-Security-Policy: own scripts and styles only; fetch and WebSocket to the allowed origins. */
export function contentSecurityPolicy(allowedOrigins: readonly string[]): string {
  const sockets = allowedOrigins.map((origin) => origin.replace(/^http(s?):/, 'ws$1:'));
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    `connect-src 'self' ${sockets.join(' ')}`.trim(),
    "img-src 'self'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}
