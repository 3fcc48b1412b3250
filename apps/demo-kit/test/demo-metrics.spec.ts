// GET /metrics access (METRICS) and what the meter records, on a real MeterProvider and the
// Prometheus exporter, served by a plain node:http server on loopback.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createWsGate } from '@wsgate/core';
import { afterEach, describe, expect, it } from 'vitest';
import { DemoMetrics, isLoopback } from '../src/index.js';

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});

describe('DemoMetrics', () => {
  it('knows loopback peers: 127.0.0.0/8, ::1 and IPv4-mapped loopback, nothing else', () => {
    for (const address of ['127.0.0.1', '127.10.20.30', '::1', '::ffff:127.0.0.1'])
      expect(isLoopback(address), address).toBe(true);
    for (const address of ['10.0.0.1', '192.168.1.1', '::ffff:10.0.0.1', '2001:db8::1', 'garbage', undefined])
      expect(isLoopback(address), String(address)).toBe(false);
  });

  it('lets loopback peers in by default, everyone with public, nobody with off (and then has no meter)', async () => {
    const loopback = new DemoMetrics('loopback');
    const open = new DemoMetrics('public');
    const off = new DemoMetrics('off');
    closers.push(
      () => loopback.close(),
      () => open.close(),
      () => off.close(),
    );
    expect(loopback.allows('127.0.0.1')).toBe(true);
    expect(loopback.allows('10.0.0.1')).toBe(false);
    expect(open.allows('10.0.0.1')).toBe(true);
    expect(off.allows('127.0.0.1')).toBe(false);
    expect(off.meter).toBeUndefined();
    expect(loopback.meter).toBeDefined();
  });

  it("serves the gate's instruments in Prometheus text format", async () => {
    const metrics = new DemoMetrics('loopback');
    const gate = createWsGate({ origins: { allow: 'https://app.example.com' }, meter: metrics.meter });
    await gate.tickets.issue({ subject: 'alice', ip: '127.0.0.1' });
    const server = createServer((request, response) => metrics.serve(request, response));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    closers.push(async () => {
      server.close();
      await gate.tickets.close();
      await metrics.close();
    });
    const { port } = server.address() as AddressInfo;
    const response = await fetch(`http://127.0.0.1:${port}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-store');
    const text = await response.text();
    expect(text).toMatch(/^wsgate_tickets_issued_total\{[^}]*\} 1$/m);
    expect(text).toMatch(/^wsgate_connections_open\{wsgate_adapter="core"[^}]*\} 0$/m);
  });
});
