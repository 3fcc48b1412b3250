import { connect } from '@wsgate/client';
import * as v from 'valibot';

const client = connect({
  ticketUrl: '/ws-ticket',
  url: '/ws',
  schemas: {
    joined: v.object({ type: v.literal('joined'), room: v.string() }), // unknown keys stripped
    chat: v.strictObject({ type: v.literal('chat'), from: v.string(), text: v.string() }), // refused
  },
});
client.on('chat', (message) => console.log(message.from, message.text));
