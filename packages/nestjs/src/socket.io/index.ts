export {
  WsGateIoAdapter,
  type IoGatewayOptions,
  type IoServer,
  type IoServerOrNamespace,
  type IoSocket,
  type WsGateIoAdapterOptions,
} from './wsgate-io.adapter.js';
