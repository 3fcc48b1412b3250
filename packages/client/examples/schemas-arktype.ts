import { connect } from '@wsgate/client';
import { type } from 'arktype';

const client = connect({
  ticketUrl: '/ws-ticket',
  url: '/ws',
  schemas: {
    joined: type({ type: "'joined'", room: 'string' }), // unknown keys kept (ArkType's default)
    chat: type({ '+': 'reject', type: "'chat'", from: 'string', text: 'string' }), // refused
  },
});
client.on('chat', (message) => console.log(message.from, message.text));
