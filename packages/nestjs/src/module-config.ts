import type { INestApplicationContext } from '@nestjs/common';
import type { AuditEvent } from '@wsgate/core';
import { WsGateModuleMissingError } from './errors.js';
import { WSGATE_CONFIG } from './tokens.js';
import type { WsGateModuleConfig } from './wsgate-options.js';

/**
 * @internal The module's resolved configuration, as an adapter reads it from the application;
 * `WsGateModuleMissingError` (naming `adapter`) when the application has no `WsGateModule`.
 */
export function moduleConfigOf(app: INestApplicationContext, adapter: string): WsGateModuleConfig {
  try {
    return app.get<symbol, WsGateModuleConfig>(WSGATE_CONFIG, { strict: false });
  } catch {
    throw new WsGateModuleMissingError(adapter);
  }
}

/** @internal Whether an adapter writes an audit event: a refused handshake only with `logRefusals`. */
export function isAudited(event: AuditEvent, logRefusals: boolean): boolean {
  return event.event !== 'wsgate.upgrade_refused' || logRefusals;
}
