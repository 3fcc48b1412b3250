import { connect } from '@wsgate/client';

type ServerMessages =
  | { type: 'welcome'; user: string; roles: string[] }
  | { type: 'joined'; room: string }
  | { type: 'chat'; room: string; from: string; text: string; at: number }
  | { type: 'error'; code: string; message: string };
type ClientMessages = { type: 'join'; room: string } | { type: 'chat'; room: string; text: string };

const log = document.querySelector<HTMLElement>('#log');
const status = document.querySelector<HTMLElement>('#status');
function render(from: string, text: string): void {
  const line = document.createElement('p');
  line.textContent = `${from}: ${text}`; // server data is text, never HTML
  log?.append(line);
}

const client = connect<ServerMessages, ClientMessages>({
  ticketUrl: '/ws-ticket', // POST, with cookies
  url: '/ws', // relative URLs resolve against the page; http(s) becomes ws(s)
});

client.on('welcome', (message) => render('server', `hello ${message.user}`)); // message: typed
client.on('chat', (message) => render(message.from, message.text));
client.on('state', (state) => {
  if (status) status.textContent = state; // 'connecting' | 'open' | 'reconnecting' | 'closed'
});
client.on('stopped', ({ reason }) => {
  if (reason === 'unauthenticated') location.assign('/login');
});
client.on('message', (message) => {
  if (message.type === 'error') console.warn(message.code); // server error frames: see "Reserved names"
});
client.on('error', (error) => console.debug(error.code));

client.send({ type: 'join', room: 'lobby' }); // queued until open
// later: client.close();
