// Events in a sample's log, whichever logger wrote them: a pino line carries the event's fields
// itself (Fastify sample); a Nest JSON line carries them in its `message`, as JSON text (the
// @wsgate adapters' `wsgate.*` audit events) or as an object (the demo kit's events).
import { isRecord, tryParseJson, type JsonObject } from './json.js';
import type { SampleProcess } from './sample-process.js';

function fieldsOf(line: JsonObject): unknown {
  const message = line['message'];
  if (typeof message === 'string' && message.startsWith('{')) return tryParseJson(message);
  return isRecord(message) ? message : line;
}

/** The events named `event` (e.g. `wsgate.upgrade_refused`) the sample logged so far, as objects of their fields. */
export function auditEvents(sample: SampleProcess, event: string): JsonObject[] {
  return sample
    .logObjects()
    .map(fieldsOf)
    .filter(isRecord)
    .filter((fields) => fields['event'] === event);
}
