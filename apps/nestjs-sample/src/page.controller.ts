import { Controller, Get, Param, Res, type OnModuleInit } from '@nestjs/common';
import { CONTENT_SECURITY_POLICY, loadDemoAssets, type DemoAsset } from 'demo-web';
import type { Response } from 'express';

/** Serves the demo page shared with the Fastify sample: `/`, `/app.js` and the @wsgate/client build. */
@Controller()
export class PageController implements OnModuleInit {
  private assets: ReadonlyMap<string, DemoAsset> = new Map();

  async onModuleInit(): Promise<void> {
    this.assets = await loadDemoAssets();
  }

  @Get()
  page(@Res() response: Response): void {
    this.serve(response, '/');
  }

  @Get('app.js')
  script(@Res() response: Response): void {
    this.serve(response, '/app.js');
  }

  @Get('vendor/wsgate-client/:file')
  client(@Param('file') file: string, @Res() response: Response): void {
    this.serve(response, `/vendor/wsgate-client/${file}`);
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
