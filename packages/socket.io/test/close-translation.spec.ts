// The table from core's close codes to Socket.IO's ways of ending a connection.
import { CloseCode } from '@wsgate/core';
import { describe, expect, it } from 'vitest';
import { translateClose } from '../src/index.js';

describe('translateClose', () => {
  it.each([1001, CloseCode.ServiceRestart, CloseCode.TryAgainLater, CloseCode.Reauthenticate])(
    '%i is a transport close: the client comes back with a fresh ticket',
    (code) => {
      expect(translateClose(code, 'whatever')).toEqual({ reconnect: true });
    },
  );

  it.each([
    [CloseCode.Unauthorized, 'UNAUTHENTICATED'],
    [CloseCode.Forbidden, 'FORBIDDEN'],
    [CloseCode.RateLimited, 'RATE_LIMITED'],
    [CloseCode.UnsupportedData, 'UNSUPPORTED_DATA'],
    [CloseCode.PolicyViolation, 'POLICY_VIOLATION'],
    [CloseCode.MessageTooBig, 'MESSAGE_TOO_BIG'],
  ])('%i is exception %s with the reason, then a server-side disconnect', (code, errorCode) => {
    expect(translateClose(code, 'the reason')).toEqual({
      reconnect: false,
      error: { code: errorCode, message: 'the reason' },
    });
    expect(translateClose(code, '').error?.message).toBe(errorCode.toLowerCase());
  });

  it.each([1000, 1011, 4999])('%i is a server-side disconnect without exception', (code) => {
    expect(translateClose(code, 'x')).toEqual({ reconnect: false });
  });
});
