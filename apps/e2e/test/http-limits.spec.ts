// HTTP limits of the sample servers against oversized handshakes: a request whose headers
// exceed the server's header size limit is refused (431) before any route or ticket check
// runs, and the server keeps serving everyone else.
import { rawExchange } from 'test-support/raw-http';
import { describe, expect, it } from 'vitest';
import { expectServerStillServes } from './support/actors.js';
import { SAMPLES, useSample } from './support/lifecycle.js';

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
    expect((await rawExchange(sample(), head, { timeoutMs: 10_000 })).statuses).toEqual([431]);
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
    expect((await rawExchange(sample(), head, { timeoutMs: 10_000 })).statuses).toEqual([431]);
  });
});
