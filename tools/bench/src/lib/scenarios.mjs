// What the suite measures: the stacks, the comparisons (ratios) and the targets.

/**
 * The servers. `requires` names the optional pieces (availability.mjs) a stack needs; a stack
 * whose requirement is missing is reported as pending, with the reason.
 */
export const STACKS = {
  'ws-bare': { module: 'ws-bare', label: 'ws on node:http (bare)', client: 'ws', tickets: false },
  'fastify-bare': {
    module: 'fastify-bare',
    label: '@fastify/websocket (bare)',
    client: 'ws',
    tickets: false,
  },
  'fastify-ticket-check': {
    module: 'fastify-ticket-check',
    label: '@fastify/websocket + hand-written ticket check (Map, expiry, Origin, IP)',
    client: 'ws',
    tickets: true,
  },
  'wsgate-fastify': {
    module: 'wsgate-fastify',
    label: '@wsgate/fastify, memory store',
    client: 'ws',
    tickets: true,
    options: { store: 'memory' },
  },
  'wsgate-fastify-redis': {
    module: 'wsgate-fastify',
    label: '@wsgate/fastify, Redis store',
    client: 'ws',
    tickets: true,
    options: { store: 'redis' },
    requires: ['redisStore', 'redisServer'],
  },
  'nest-bare': {
    module: 'nest',
    label: 'NestJS WsAdapter (bare)',
    client: 'ws',
    tickets: false,
    options: { mode: 'bare' },
  },
  'nest-wsgate': {
    module: 'nest',
    label: 'NestJS WsGateAdapter',
    client: 'ws',
    tickets: true,
    options: { mode: 'wsgate' },
    requires: ['nestjs'],
  },
  'socketio-jwt': {
    module: 'socketio-jwt',
    label: 'socket.io 4 + JWT (HS256)',
    client: 'socketio',
    tickets: false,
  },
  'wsgate-socketio': {
    module: 'wsgate-socketio',
    label: '@wsgate/socket.io, memory store',
    client: 'socketio-ticket',
    tickets: true,
  },
};

/** How the message scenarios name the same servers (what runs per message). */
export const MESSAGE_LABELS = {
  'fastify-bare': '@fastify/websocket + JSON.parse echo',
  'wsgate-fastify': '@wsgate/fastify message routes (config.wsgate.messages)',
  'nest-bare': 'NestJS @SubscribeMessage + ValidationPipe',
  'nest-wsgate': 'NestJS WsValidationPipe + WsAuthGuard',
};

export const HANDSHAKE_CONCURRENCY = [1, 32];
export const HANDSHAKE_STACKS = [
  'ws-bare',
  'fastify-bare',
  'fastify-ticket-check',
  'wsgate-fastify',
  'wsgate-fastify-redis',
  'nest-bare',
  'nest-wsgate',
  'socketio-jwt',
  'wsgate-socketio',
];
export const MESSAGE_CONNECTIONS = [1, 50];
export const MESSAGE_STACKS = ['fastify-bare', 'wsgate-fastify', 'nest-bare', 'nest-wsgate'];
export const MEMORY_STACKS = [
  'fastify-bare',
  'wsgate-fastify',
  'nest-bare',
  'nest-wsgate',
  'socketio-jwt',
  'wsgate-socketio',
];
export const TICKET_CASES = [
  { id: 'memory-1', store: 'memory', inFlight: 1, label: 'memory store, sequential' },
  { id: 'memory-50', store: 'memory', inFlight: 50, label: 'memory store, 50 in flight' },
  {
    id: 'redis-1',
    store: 'redis',
    inFlight: 1,
    label: 'Redis store, sequential',
    requires: ['redisStore', 'redisServer'],
  },
  {
    id: 'redis-50',
    store: 'redis',
    inFlight: 50,
    label: 'Redis store, 50 in flight',
    requires: ['redisStore', 'redisServer'],
  },
  {
    id: 'redis-raw-1',
    store: 'redis-raw',
    inFlight: 1,
    label: 'raw ioredis pair (random key, JSON record, SET PX NX + GETDEL), sequential',
    requires: ['redisServer'],
  },
  {
    id: 'redis-raw-50',
    store: 'redis-raw',
    inFlight: 50,
    label: 'raw ioredis pair (random key, JSON record, SET PX NX + GETDEL), 50 in flight',
    requires: ['redisServer'],
  },
];

/** Cell ids: `handshake@32:wsgate-fastify`, `messages@50:nest-bare`, `tickets:memory-50`, `memory:fastify-bare`. */
export const cellId = (group, level, stack) =>
  level === undefined ? `${group}:${stack}` : `${group}@${level}:${stack}`;

/**
 * Ratios, each per round (A and B measured in the same round) and summarised. `metric` is the
 * figure divided: `cpuPerUnitUs` (the cost of security), `throughput`, or `heapPerConnection`.
 */
export function comparisons() {
  const list = [];
  for (const level of HANDSHAKE_CONCURRENCY) {
    const cell = (stack) => cellId('handshake', level, stack);
    const add = (a, b, metric = 'cpuPerUnitUs') =>
      list.push({ id: `${cell(a)}/${b}:${metric}`, numerator: cell(a), denominator: cell(b), metric });
    add('wsgate-fastify', 'fastify-bare');
    add('wsgate-fastify', 'fastify-ticket-check');
    add('fastify-ticket-check', 'fastify-bare');
    add('wsgate-fastify-redis', 'fastify-bare');
    add('nest-wsgate', 'nest-bare');
    add('fastify-bare', 'ws-bare');
    add('nest-bare', 'ws-bare');
    add('socketio-jwt', 'ws-bare');
    add('wsgate-fastify', 'socketio-jwt', 'throughput');
    add('wsgate-socketio', 'socketio-jwt');
  }
  for (const level of MESSAGE_CONNECTIONS) {
    const cell = (stack) => cellId('messages', level, stack);
    list.push({
      id: `${cell('wsgate-fastify')}/fastify-bare:cpuPerUnitUs`,
      numerator: cell('wsgate-fastify'),
      denominator: cell('fastify-bare'),
      metric: 'cpuPerUnitUs',
    });
    list.push({
      id: `${cell('nest-wsgate')}/nest-bare:cpuPerUnitUs`,
      numerator: cell('nest-wsgate'),
      denominator: cell('nest-bare'),
      metric: 'cpuPerUnitUs',
    });
  }
  for (const inFlight of [1, 50]) {
    list.push({
      id: `tickets:redis-${inFlight}/redis-raw-${inFlight}:cpuPerUnitUs`,
      numerator: `tickets:redis-${inFlight}`,
      denominator: `tickets:redis-raw-${inFlight}`,
      metric: 'cpuPerUnitUs',
    });
  }
  for (const [a, b] of [
    ['wsgate-fastify', 'fastify-bare'],
    ['nest-wsgate', 'nest-bare'],
    ['wsgate-socketio', 'socketio-jwt'],
  ]) {
    for (const metric of ['heapPerConnection', 'rssPerConnection'])
      list.push({
        id: `memory:${a}/${b}:${metric}`,
        numerator: `memory:${a}`,
        denominator: `memory:${b}`,
        metric,
      });
  }
  return list;
}

/** The targets from the issue. Each is judged on the median of its ratio (or figure). */
export function targets() {
  const list = [];
  for (const level of HANDSHAKE_CONCURRENCY) {
    list.push({
      id: `handshake-cpu-fastify@${level}`,
      title: `Authenticated handshake CPU ≤ 1.15× bare, Fastify, memory store (${level} loop${level > 1 ? 's' : ''})`,
      ratio: `${cellId('handshake', level, 'wsgate-fastify')}/fastify-bare:cpuPerUnitUs`,
      op: '<=',
      threshold: 1.15,
    });
    list.push({
      id: `handshake-cpu-fastify-vs-hand-written@${level}`,
      title: `Authenticated handshake CPU ≤ 1.05× a hand-written ticket check, Fastify, memory store (${level} loop${level > 1 ? 's' : ''})`,
      ratio: `${cellId('handshake', level, 'wsgate-fastify')}/fastify-ticket-check:cpuPerUnitUs`,
      op: '<=',
      threshold: 1.05,
    });
    list.push({
      id: `handshake-cpu-nestjs@${level}`,
      title: `Authenticated handshake CPU ≤ 1.15× bare, NestJS, memory store (${level} loop${level > 1 ? 's' : ''})`,
      ratio: `${cellId('handshake', level, 'nest-wsgate')}/nest-bare:cpuPerUnitUs`,
      op: '<=',
      threshold: 1.15,
    });
    list.push({
      id: `handshake-cpu-redis@${level}`,
      title: `Authenticated handshake CPU ≤ 1.25× bare, Fastify, Redis store (${level} loop${level > 1 ? 's' : ''})`,
      ratio: `${cellId('handshake', level, 'wsgate-fastify-redis')}/fastify-bare:cpuPerUnitUs`,
      op: '<=',
      threshold: 1.25,
    });
    list.push({
      id: `handshake-cpu-socketio@${level}`,
      title: `Socket.IO handshake CPU through @wsgate ≤ 1.10× socket.io + JWT middleware (${level} loop${level > 1 ? 's' : ''})`,
      ratio: `${cellId('handshake', level, 'wsgate-socketio')}/socketio-jwt:cpuPerUnitUs`,
      op: '<=',
      threshold: 1.1,
    });
    list.push({
      id: `handshake-throughput-vs-socketio@${level}`,
      title: `Handshake throughput @wsgate/fastify ≥ 1.5× socket.io + JWT (${level} loop${level > 1 ? 's' : ''})`,
      ratio: `${cellId('handshake', level, 'wsgate-fastify')}/socketio-jwt:throughput`,
      op: '>=',
      threshold: 1.5,
    });
  }
  for (const level of MESSAGE_CONNECTIONS) {
    list.push({
      id: `message-guard-cpu@${level}`,
      title: `Message guard CPU/message ≤ 1.25× bare JSON.parse echo (${level} connection${level > 1 ? 's' : ''})`,
      ratio: `${cellId('messages', level, 'wsgate-fastify')}/fastify-bare:cpuPerUnitUs`,
      op: '<=',
      threshold: 1.25,
    });
    list.push({
      id: `nestjs-validation-cpu@${level}`,
      title: `NestJS validated path CPU/message ≤ 0.5× Nest's ValidationPipe path (${level} connection${level > 1 ? 's' : ''})`,
      ratio: `${cellId('messages', level, 'nest-wsgate')}/nest-bare:cpuPerUnitUs`,
      op: '<=',
      threshold: 0.5,
    });
  }
  list.push({
    id: 'idle-connection-heap',
    title: 'Heap per idle authenticated connection ≤ 1.3× a bare one',
    ratio: 'memory:wsgate-fastify/fastify-bare:heapPerConnection',
    op: '<=',
    threshold: 1.3,
  });
  list.push({
    id: 'memory-ticket-cpu',
    title: 'Memory store: CPU per issue+redeem pair ≤ 10 µs (sequential)',
    figure: { cell: 'tickets:memory-1', metric: 'cpuPerUnitUs' },
    op: '<=',
    threshold: 10,
  });
  list.push({
    id: 'redis-ticket-cpu',
    title: 'Redis store: Node CPU per issue+redeem pair ≤ 1.5× the raw ioredis pair (50 in flight)',
    ratio: 'tickets:redis-50/redis-raw-50:cpuPerUnitUs',
    op: '<=',
    threshold: 1.5,
  });
  list.push({
    id: 'redis-ticket-ops',
    title: 'Redis store ≥ 20 000 issue+redeem pairs/s with 50 in flight',
    figure: { cell: 'tickets:redis-50', metric: 'throughput' },
    op: '>=',
    threshold: 20_000,
  });
  return list;
}
