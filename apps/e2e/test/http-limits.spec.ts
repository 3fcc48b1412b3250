// HTTP limits of the sample servers against oversized handshakes: a request whose headers
// exceed the server's header size limit is refused (431) before any route or ticket check
// runs, and the server keeps serving everyone else.
import { connect as connectTcp } from 'node:net';
import { describe, expect, it } from 'vitest';
import { expectServerStillServes } from './support/actors.js';
import { SAMPLES, useSample } from './support/lifecycle.js';

/** Sends raw request bytes and resolves with the status line the server answers (or '' if it just closes). */
function rawRequest(port: number, head: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connectTcp({ host: '127.0.0.1', port });
    let received = '';
    socket.setTimeout(10_000, () => socket.destroy(new Error('no answer within 10 s')));
    socket.on('data', (chunk) => {
      received += chunk.toString('latin1');
    });
    socket.on('error', reject);
    socket.on('close', () => resolve(received.split('\r\n')[0] ?? ''));
    socket.end(head);
  });
}

describe.each(SAMPLES)('%s: HTTP limits', (sampleName) => {
  const sample = useSample(sampleName);

  it('refuses an upgrade whose headers exceed 16 KiB with 431, and keeps serving others', async () => {
    const head = [
      'GET /ws?ticket=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA HTTP/1.1',
      `Host: 127.0.0.1:${sample().port}`,
      'Connection: Upgrade',
      'Upgrade: websocket',
      'Sec-WebSocket-Version: 13',
      'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==',
      `X-Padding: ${'a'.repeat(20_000)}`,
      '',
      '',
    ].join('\r\n');
    const statusLine = await rawRequest(sample().port, head);
    expect(statusLine).toMatch(/^HTTP\/1\.1 431 /);
    await expectServerStillServes(sample());
  });

  it('refuses a plain request with oversized headers with 431', async () => {
    const head = [
      'GET /healthz HTTP/1.1',
      `Host: 127.0.0.1:${sample().port}`,
      `Cookie: sid=${'b'.repeat(20_000)}`,
      '',
      '',
    ].join('\r\n');
    expect(await rawRequest(sample().port, head)).toMatch(/^HTTP\/1\.1 431 /);
  });
});
