// Messages of the test app's authenticated route. Not a spec file.
import { Type } from '@sinclair/typebox';
import { MessageRejection, TicketStoreUnavailableError } from '@wsgate/core';
import { defineMessages } from '../../src/index.js';

export const testSchemas = {
  echo: Type.Object({ type: Type.Literal('echo'), text: Type.String({ maxLength: 64 }) }),
  whoami: Type.Object({ type: Type.Literal('whoami') }),
  boom: Type.Object({ type: Type.Literal('boom'), async: Type.Boolean() }),
  announce: Type.Object({ type: Type.Literal('announce'), text: Type.String({ minLength: 1 }) }),
  refuse: Type.Object({ type: Type.Literal('refuse') }),
  outage: Type.Object({ type: Type.Literal('outage') }),
};

/**
 * The test route's messages: `echo` (replies by return value), `whoami` (through `send`), `boom`
 * (throws or rejects), `announce` (role `admin` only), `refuse` (an app refusal), `outage` (a
 * store out of reach).
 */
export const testMessages = defineMessages({
  echo: { schema: testSchemas.echo, handler: ({ text }) => ({ type: 'echo', text }) },
  whoami: {
    schema: testSchemas.whoami,
    handler: (_message, { send, principal }) => send({ type: 'whoami', subject: principal.subject }),
  },
  boom: {
    schema: testSchemas.boom,
    handler: (message) => {
      const error = new Error('handler failed at /secret/path');
      if (message.async) return Promise.reject(error);
      throw error;
    },
  },
  announce: {
    schema: testSchemas.announce,
    roles: ['admin'],
    handler: ({ text }) => ({ type: 'announced', text }),
  },
  refuse: {
    schema: testSchemas.refuse,
    handler: () => {
      throw new MessageRejection('NOT_IN_ROOM', 'join the room first');
    },
  },
  outage: {
    schema: testSchemas.outage,
    handler: () => Promise.reject(new TicketStoreUnavailableError()),
  },
});
