import { Injectable } from '@nestjs/common';
import { WsGateService } from '@wsgate/nestjs';
import { SessionStore } from './sessions.js';

/** Closes a session's sockets (4401) and refuses its outstanding tickets as soon as it ends. */
@Injectable()
export class SessionRevocation {
  constructor(sessions: SessionStore, wsGate: WsGateService) {
    sessions.onEnd((session) => {
      wsGate.revokeSession(session.id, 'session ended');
    });
  }
}
