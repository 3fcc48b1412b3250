/** ws's `WebSocket.OPEN`, without importing `ws` at run time. */
const OPEN = 1;

interface SendableSocket {
  readonly readyState: number;
  send(data: string): void;
}

function isOpenSocket(client: unknown): client is SendableSocket {
  return (
    client !== null &&
    typeof client === 'object' &&
    (client as SendableSocket).readyState === OPEN &&
    typeof (client as SendableSocket).send === 'function'
  );
}

/**
 * @internal Sends `value` as one JSON text frame if the socket is open; returns whether it was
 * sent. Throws only if `value` cannot be serialised (callers decide what to answer then).
 */
export function sendJson(client: unknown, value: unknown): boolean {
  if (!isOpenSocket(client)) return false;
  client.send(JSON.stringify(value));
  return true;
}
