import 'reflect-metadata';
import { WsGateAdapter } from '@wsgate/nestjs';
import { ChatGateway } from './chat.gateway.js';
import { runDemoApp } from './demo-app.js';

// The demo protocol on `ws`: WsGateAdapter checks every upgrade to /ws before it happens.
await runDemoApp(3001, {
  gateway: ChatGateway,
  webSocketAdapter: (app) => new WsGateAdapter(app),
  page: 'ws',
});
