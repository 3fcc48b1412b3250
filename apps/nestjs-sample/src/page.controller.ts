import { Controller, Get, Inject, Res } from '@nestjs/common';
import type { Response } from 'express';
import { APP_CONFIG, type AppConfig } from './config.js';
import { contentSecurityPolicy, DEMO_CSS, DEMO_HTML, DEMO_JS } from './demo-page.js';

@Controller()
export class PageController {
  private readonly csp: string;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.csp = contentSecurityPolicy(config.allowedOrigins);
  }

  @Get()
  page(@Res() response: Response): void {
    this.serve(response, 'text/html; charset=utf-8', DEMO_HTML);
  }

  @Get('app.js')
  script(@Res() response: Response): void {
    this.serve(response, 'text/javascript; charset=utf-8', DEMO_JS);
  }

  @Get('app.css')
  styles(@Res() response: Response): void {
    this.serve(response, 'text/css; charset=utf-8', DEMO_CSS);
  }

  private serve(response: Response, contentType: string, body: string): void {
    response
      .status(200)
      .set({
        'Content-Type': contentType,
        'Content-Security-Policy': this.csp,
        'X-Content-Type-Options': 'nosniff',
        'Referrer-Policy': 'no-referrer',
        'Cache-Control': 'no-cache',
      })
      .send(body);
  }
}
