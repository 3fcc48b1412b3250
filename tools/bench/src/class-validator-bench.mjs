#!/usr/bin/env node
// `npm run bench-class-validator`: the per-message validation cost of the NestJS bench's DTO
// (stacks/nest.mjs `ChatDto`), in one process, no sockets: Nest's `ValidationPipe` (whitelist +
// forbidNonWhitelisted, what the bare Nest stack runs), `classValidatorSchema` from
// @wsgate/core/class-validator (what `WsGateAdapter` runs before guards) and, for scale, the
// core's compiled JSON Schema of the same message (ajv). Each round times every candidate on the
// same pool of parsed messages, interleaved; the report is the median (min–max) of the rounds in
// ns per message. A report, not a test. Flags: --rounds=N (default 5), --round-ms=N (default 400),
// --out=FILE (JSON).
import { writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { ValidationPipe } from '@nestjs/common';
import { classValidatorSchema } from '@wsgate/core/class-validator';
import { CHAT_MESSAGE, messageSchemas } from './lib/protocol.mjs';
import { ChatDto } from './lib/stacks/nest.mjs';

const args = new Map(
  process.argv.slice(2).map((arg) => {
    const [name, value] = arg.replace(/^--/, '').split('=');
    return [name, value ?? 'true'];
  }),
);
const ROUNDS = Math.max(1, Number(args.get('rounds') ?? 5));
const ROUND_MS = Math.max(50, Number(args.get('round-ms') ?? 400));
const POOL = 1_000;

const valid = Array.from({ length: POOL }, () => JSON.parse(CHAT_MESSAGE));
const invalid = Array.from({ length: POOL }, () =>
  JSON.parse(JSON.stringify({ type: 'chat', room: 'Not A Room', text: '', extra: 1 })),
);

const pipe = new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true });
const pipeMetadata = { type: 'body', metatype: ChatDto, data: undefined };
const compiled = classValidatorSchema(ChatDto);
const ajv = messageSchemas.chat;

/** Candidates: a name and a function validating one message, sync or async. */
const candidates = [
  {
    name: "Nest ValidationPipe (what the bare Nest stack's pipe runs)",
    async: true,
    run: async (message) => {
      try {
        return await pipe.transform(message, pipeMetadata);
      } catch (error) {
        return error;
      }
    },
  },
  { name: '@wsgate/core/class-validator classValidatorSchema', run: (message) => compiled.validate(message) },
  { name: '@wsgate/core jsonSchemaValidator (ajv), same rules', run: (message) => ajv.validate(message) },
];

let sink;
async function time(candidate, pool) {
  const started = performance.now();
  let count = 0;
  while (performance.now() - started < ROUND_MS) {
    if (candidate.async) for (const message of pool) sink = await candidate.run(message);
    else for (const message of pool) sink = candidate.run(message);
    count += pool.length;
  }
  return ((performance.now() - started) * 1e6) / count;
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

// Sanity: every candidate agrees on the verdicts before anything is timed.
for (const [label, pool, ok] of [
  ['valid', valid, true],
  ['invalid', invalid, false],
]) {
  const pipeOk = !((await candidates[0].run(pool[0])) instanceof Error);
  if (pipeOk !== ok || compiled.validate(pool[0]).ok !== ok || ajv.validate(pool[0]).ok !== ok)
    throw new Error(`the candidates disagree on the ${label} message`);
}

const results = {};
for (const [label, pool] of [
  ['valid', valid],
  ['invalid', invalid],
]) {
  for (const candidate of candidates) await time(candidate, pool); // warm-up
  const samples = candidates.map(() => []);
  for (let round = 0; round < ROUNDS; round += 1)
    for (const [index, candidate] of candidates.entries()) samples[index].push(await time(candidate, pool));
  results[label] = candidates.map((candidate, index) => ({
    candidate: candidate.name,
    nsPerMessage: Math.round(median(samples[index])),
    min: Math.round(Math.min(...samples[index])),
    max: Math.round(Math.max(...samples[index])),
  }));
}

for (const [label, rows] of Object.entries(results)) {
  console.log(`\n${label} message (${ROUNDS} rounds of ${ROUND_MS} ms; ns per message, median (min–max))`);
  const reference = rows[0].nsPerMessage;
  for (const row of rows)
    console.log(
      `  ${row.candidate.padEnd(60)} ${String(row.nsPerMessage).padStart(7)} (${row.min}–${row.max})  ${(
        row.nsPerMessage / reference
      ).toFixed(3)}× the pipe`,
    );
}
void sink;
if (args.has('out'))
  writeFileSync(
    args.get('out'),
    JSON.stringify({ rounds: ROUNDS, roundMs: ROUND_MS, results }, null, 2) + '\n',
  );
