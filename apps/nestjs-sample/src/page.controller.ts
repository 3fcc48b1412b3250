import { Controller, Get, Inject, Param, Res, type OnModuleInit } from '@nestjs/common';
import { CONTENT_SECURITY_POLICY, loadDemoAssets, type DemoAsset, type DemoTransport } from 'demo-web';
import type { Response } from 'express';

/** Injection token of the demo page's {@link DemoTransport}. */
export const PAGE_TRANSPORT = Symbol('PAGE_TRANSPORT');

/**
 * Serves the demo page shared with the Fastify sample: `/`, `/app.js`, `/chat-transport.js` (the
 * `ws` or the Socket.IO one) and the client builds it imports.
 */
@Controller()
export class PageController implements OnModuleInit {
  private assets: ReadonlyMap<string, DemoAsset> = new Map();

  constructor(@Inject(PAGE_TRANSPORT) private readonly transport: DemoTransport) {}

  async onModuleInit(): Promise<void> {
    this.assets = await loadDemoAssets({ transport: this.transport });
  }

  @Get()
  page(@Res() response: Response): void {
    this.serve(response, '/');
  }

  @Get('app.js')
  script(@Res() response: Response): void {
    this.serve(response, '/app.js');
  }

  @Get('chat-transport.js')
  transportScript(@Res() response: Response): void {
    this.serve(response, '/chat-transport.js');
  }

  @Get('vendor/wsgate-client/:file')
  client(@Param('file') file: string, @Res() response: Response): void {
    this.serve(response, `/vendor/wsgate-client/${file}`);
  }

  @Get('vendor/wsgate-client/socket.io/:file')
  socketIoHelper(@Param('file') file: string, @Res() response: Response): void {
    this.serve(response, `/vendor/wsgate-client/socket.io/${file}`);
  }

  @Get('vendor/socket.io-client/:file')
  socketIoClient(@Param('file') file: string, @Res() response: Response): void {
    this.serve(response, `/vendor/socket.io-client/${file}`);
  }

  private serve(response: Response, path: string): void {
    const asset = this.assets.get(path);
    if (asset === undefined) {
      response.status(404).json({ error: 'NOT_FOUND' });
      return;
    }
    response
      .status(200)
      .set({
        'Content-Type': asset.contentType,
        'Content-Security-Policy': CONTENT_SECURITY_POLICY,
        'X-Content-Type-Options': 'nosniff',
        'Referrer-Policy': 'no-referrer',
        'Cache-Control': 'no-cache',
      })
      .send(asset.body);
  }
}
