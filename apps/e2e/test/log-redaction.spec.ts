// A live ticket in a URL the upgrade refuses must not reach the log (issue 12, item 4): every
// place ticket extraction could read it from, and every 43-character base64url run, is redacted
// before the request is logged. Each form is sent with a foreign Origin, so that the upgrade is
// refused (403, or 404 for a path that is no route) and the ticket is not consumed: the ticket
// then opens a socket from an allowed Origin, which proves it was live while it was logged.
import { rawExchange, rawRequestHead, UPGRADE_HEADERS } from 'test-support/raw-http';
import { isRecord } from 'test-support/json';
import { expectOpened, openSocket, presentTicket } from 'test-support/ws-client';
import { describe, expect, it } from 'vitest';
import { expectWhoami } from './support/actors.js';
import { issueTicket, loginAs } from './support/http.js';
import { itKeepsSecretsOutOfLogs, SAMPLES, useSample } from './support/lifecycle.js';
import { ofType } from './support/messages.js';

interface RedactionCase {
  /** The request target with the ticket `t` in it. */
  readonly path: (t: string) => string;
  /** The URL as a sample that logs requests logs it. */
  readonly logged: string;
  /** 403 when the request reaches the upgrade's Origin check, 404 when no route matches it. */
  readonly status: 403 | 404;
}

/** The forms of issue 12, item 4: extraction read past `#`; the others are ticket-like runs. */
const CASES: Readonly<Record<string, RedactionCase>> = {
  'after a # in the query': {
    path: (t) => `/ws?x=1#&ticket=${t}`,
    logged: '/ws?x=1#&ticket=[redacted]',
    status: 403,
  },
  'as a ;parameter of the path': { path: (t) => `/ws;ticket=${t}`, logged: '/[redacted]', status: 404 },
  'as a path segment': { path: (t) => `/ws/${t}`, logged: '/ws/[redacted]', status: 404 },
  'under an upper-case name': {
    path: (t) => `/ws?TICKET=${t}`,
    logged: '/ws?TICKET=[redacted]',
    status: 403,
  },
  'under an array name': { path: (t) => `/ws?ticket[]=${t}`, logged: '/ws?ticket[]=[redacted]', status: 403 },
};

/**
 * Whether a sample logs each request's URL: the Fastify sample does (pino's request log), the
 * NestJS sample logs no request at all (only @wsgate's audit events, which carry no URL).
 */
const LOGS_REQUEST_URLS: Readonly<Record<string, boolean>> = {
  'fastify-sample': true,
  'nestjs-sample': false,
};

describe.each(SAMPLES)('%s: tickets in logged URLs', (sampleName) => {
  const sample = useSample(sampleName);

  it.each(Object.entries(CASES))(
    'keeps a live ticket %s out of every log line; the refusal did not consume it',
    async (_form, { path, logged, status }) => {
      const session = await loginAs(sample(), 'alice');
      const ticket = await issueTicket(sample(), session);
      const linesBefore = sample().lines.length;
      const refusalsBefore = sample().events('wsgate.upgrade_refused').length;
      const refused = await rawExchange(
        sample(),
        rawRequestHead(sample(), {
          path: path(ticket),
          headers: [...UPGRADE_HEADERS, ['Origin', 'http://evil.example']],
        }),
      );
      expect(refused.statuses).toEqual([status]);
      expect(refused.received.includes(ticket), 'the refusal quotes the ticket').toBe(false);
      await sample().quiesce();
      const newLines = sample().lines.slice(linesBefore);
      expect(newLines.filter((line) => line.text.includes(ticket)).map((line) => line.text)).toEqual([]);
      // The redaction, not the absence of a log line, keeps the ticket out.
      const loggedUrls = sample()
        .logObjects()
        .map((line) => (isRecord(line['req']) ? line['req']['url'] : undefined))
        .filter((url) => url !== undefined);
      if (LOGS_REQUEST_URLS[sampleName] === true) expect(loggedUrls).toContain(logged);
      else expect(loggedUrls, `${sampleName} logs request URLs: update LOGS_REQUEST_URLS`).toEqual([]);
      if (status === 403) await sample().waitForEvents('wsgate.upgrade_refused', refusalsBefore + 1);
      // The ticket was live all along: it opens a socket from an allowed Origin, once.
      const client = expectOpened(
        await openSocket(sample(), { ...presentTicket(ticket), origin: sample().origin }),
      );
      await client.next(ofType('welcome'));
      await expectWhoami(client, 'alice');
    },
  );

  itKeepsSecretsOutOfLogs(sample);
});
