import 'reflect-metadata';
import type { DemoBackend } from 'demo-kit';
import { DEMO_BACKEND, runDemoApp } from 'nestjs-sample/demo-app';
import { ChatGateway } from './chat.gateway.js';
import { DemoIoAdapter } from './demo-io.adapter.js';

// The NestJS demo app with its WebSockets on Socket.IO: WsGateIoAdapter checks every Engine.IO
// request at /socket.io/ before a session exists.
await runDemoApp(3002, {
  gateway: ChatGateway,
  webSocketAdapter: (app) => new DemoIoAdapter(app, app.get<symbol, DemoBackend>(DEMO_BACKEND).redis),
  page: 'socket.io',
});
