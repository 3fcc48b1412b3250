// No HTTP response body quotes the request line or the request body (issue 12, item 10): a
// refusal says what went wrong in a short code, so that nothing a client sent (a ticket in a
// URL, a password in a malformed body) comes back in a response or lands in a log.
import { randomBytes } from 'node:crypto';
import { expectOpened, openSocket, presentTicket } from 'test-support/ws-client';
import { describe, expect, it } from 'vitest';
import { expectServerStillServes, expectWhoami } from './support/actors.js';
import { issueTicket, loginAs, postLogin, request } from './support/http.js';
import { itKeepsSecretsOutOfLogs, SAMPLES, useSample } from './support/lifecycle.js';
import { ofType } from './support/messages.js';

describe.each(SAMPLES)('%s: HTTP error bodies', (sampleName) => {
  const sample = useSample(sampleName);

  it('answers GET /ws?ticket=T without an Upgrade with 404 quoting nothing; T still opens a socket', async () => {
    const session = await loginAs(sample(), 'alice');
    const ticket = await issueTicket(sample(), session);
    const response = await request(sample(), 'GET', `/ws?ticket=${ticket}`);
    expect(response.status).toBe(404);
    expect(response.text).not.toContain(ticket);
    expect(response.text).not.toContain('/ws');
    const client = expectOpened(await openSocket(sample(), presentTicket(ticket)));
    await client.next(ofType('welcome'));
    await expectWhoami(client, 'alice');
  });

  it('answers an unknown path with 404 {"error":"NOT_FOUND"}, quoting neither path nor query', async () => {
    const marker = randomBytes(12).toString('hex');
    for (const [method, path] of [
      ['GET', `/nope-${marker}?secret=${marker}`],
      ['POST', `/api/${marker}`],
      ['DELETE', `/login?${marker}`],
    ] as const) {
      const response = await request(sample(), method, path);
      expect(response.status, `${method} ${path}`).toBe(404);
      expect(response.json, `${method} ${path}`).toEqual({ error: 'NOT_FOUND' });
      expect(response.text).not.toContain(marker);
    }
  });

  it('answers a malformed JSON login body with 400 {"error":"BAD_REQUEST"}, quoting no piece of it (nor logging it)', async () => {
    const secret = `SECRET-${randomBytes(12).toString('hex')}`;
    sample().remember(secret, 'password');
    for (const body of [
      `{"username":"alice","password": ${secret}}`,
      `{"username":"alice","password":"${secret}"`,
      `{"username":"alice","password":"${secret}"}}`,
    ]) {
      const response = await postLogin(sample(), body);
      expect(response.status, body).toBe(400);
      expect(response.json, body).toEqual({ error: 'BAD_REQUEST' });
      for (const piece of [secret.slice(0, 10), secret.slice(-10), 'assword', 'alice'])
        expect(response.text, `${body} → ${response.text}`).not.toContain(piece);
    }
    await expectServerStillServes(sample());
  });

  itKeepsSecretsOutOfLogs(sample);
});
