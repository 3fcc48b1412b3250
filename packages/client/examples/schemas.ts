import { connect } from '@wsgate/client';
import { z } from 'zod';

// One schema per server frame type, keyed by that type; handlers receive the schema's output.
const schemas = {
  welcome: z.object({ type: z.literal('welcome'), user: z.string(), roles: z.array(z.string()) }),
  joined: z.object({ type: z.literal('joined'), room: z.string() }),
  chat: z.strictObject({
    // strictObject: a frame with an unknown key is dropped (z.object would strip the key)
    type: z.literal('chat'),
    room: z.string(),
    from: z.string(),
    text: z.string().max(2_000),
    at: z.number().transform((ms) => new Date(ms)),
  }),
  error: z.object({ type: z.literal('error'), code: z.string(), message: z.string() }),
};
type ClientMessages = { type: 'join'; room: string } | { type: 'chat'; room: string; text: string };

const client = connect<typeof schemas, ClientMessages>({ ticketUrl: '/ws-ticket', url: '/ws', schemas });

client.on('chat', (message) => {
  console.log(message.at.toISOString(), message.from, message.text); // message.at: Date
});
client.on('message', (message) => {
  if (message.type === 'error') console.warn(message.code); // server error frames reach 'message' only
});
client.on('error', (error) => {
  // WSGATE_CLIENT_FRAME_INVALID / WSGATE_CLIENT_FRAME_TYPE_UNKNOWN: a frame was dropped
  console.debug(error.code, error.message);
});

client.send({ type: 'join', room: 'lobby' });
