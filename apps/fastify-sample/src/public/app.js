'use strict';
// Every string from the server is rendered with textContent: data, never markup.
const $ = (id) => document.getElementById(id);
let socket = null;
let room = null;

function setStatus(state, text) {
  $('status').dataset.state = state;
  $('status').textContent = text;
}

function addLine(kind, from, text) {
  const item = document.createElement('li');
  item.className = kind;
  if (from) {
    const who = document.createElement('span');
    who.className = 'from';
    who.textContent = from + ': ';
    item.appendChild(who);
  }
  const body = document.createElement('span');
  body.className = 'text';
  body.textContent = String(text);
  item.appendChild(body);
  $('log').appendChild(item);
  $('log').scrollTop = $('log').scrollHeight;
}

function parseFrame(data) {
  try {
    const value = JSON.parse(data);
    return value !== null && typeof value === 'object' && typeof value.type === 'string' ? value : null;
  } catch {
    return null;
  }
}

async function connect() {
  const response = await fetch('/ws-ticket', { method: 'POST', credentials: 'same-origin' });
  if (!response.ok) {
    setStatus('logged-out', 'not logged in');
    return;
  }
  const { ticket } = await response.json();
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  socket = new WebSocket(scheme + '//' + location.host + '/ws?ticket=' + encodeURIComponent(ticket));
  socket.addEventListener('message', (event) => {
    const frame = parseFrame(event.data);
    if (!frame) return addLine('error', '', 'malformed frame from server');
    switch (frame.type) {
      case 'welcome': setStatus('connected', 'connected as ' + frame.user); break;
      case 'joined': room = frame.room; addLine('system', '', 'joined ' + frame.room); break;
      case 'chat': addLine('chat', frame.from, frame.text); break;
      case 'announce': addLine('announce', 'announcement from ' + frame.from, frame.text); break;
      case 'error': addLine('error', '', frame.code + ': ' + frame.message); break;
      default: break;
    }
  });
  socket.addEventListener('close', (event) => {
    setStatus('disconnected', 'disconnected (' + event.code + ')');
    socket = null;
  });
}

$('login-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const response = await fetch('/login', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: $('username').value, password: $('password').value }),
  });
  if (!response.ok) return setStatus('logged-out', 'login failed');
  $('login-form').hidden = true;
  $('chat').hidden = false;
  await connect();
});

$('join-form').addEventListener('submit', (event) => {
  event.preventDefault();
  if (socket) socket.send(JSON.stringify({ type: 'join', room: $('room').value }));
});

$('chat-form').addEventListener('submit', (event) => {
  event.preventDefault();
  if (socket && room && $('text').value) socket.send(JSON.stringify({ type: 'chat', room, text: $('text').value }));
  $('text').value = '';
});

$('logout').addEventListener('click', async () => {
  await fetch('/logout', { method: 'POST', credentials: 'same-origin' });
  $('chat').hidden = true;
  $('login-form').hidden = false;
});
