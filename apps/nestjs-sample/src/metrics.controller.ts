import { Controller, Get, Inject, NotFoundException, Req, Res } from '@nestjs/common';
import type { DemoBackend } from 'demo-kit';
import type { Request, Response } from 'express';
import { DEMO_BACKEND } from './demo-backend.module.js';

/** `GET /metrics`: @wsgate's metrics in Prometheus text format, to loopback peers only by default (METRICS). */
@Controller()
export class MetricsController {
  constructor(@Inject(DEMO_BACKEND) private readonly backend: DemoBackend) {}

  @Get('metrics')
  metrics(@Req() request: Request, @Res() response: Response): void {
    if (!this.backend.metrics.allows(request.socket.remoteAddress)) throw new NotFoundException();
    this.backend.metrics.serve(request, response);
  }
}
