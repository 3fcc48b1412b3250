import { describe, expect, it } from 'vitest';
import { onlyKnownOptions, WsGateConfigError } from '../src/index.js';

describe('onlyKnownOptions', () => {
  it('passes an object whose keys are all options, including none', () => {
    expect(() =>
      onlyKnownOptions('adapter options', { polling: true }, ['logRefusals', 'polling']),
    ).not.toThrow();
    expect(() => onlyKnownOptions('adapter options', {}, [])).not.toThrow();
  });

  it('refuses a key that is not an option, naming it and the known ones', () => {
    expect(() => onlyKnownOptions('adapter options', { pollling: true }, ['logRefusals', 'polling'])).toThrow(
      new WsGateConfigError('adapter options: pollling is not an option (known: logRefusals, polling)'),
    );
    expect(() => onlyKnownOptions('adapter options', { extra: 1 }, [])).toThrow(
      'adapter options: extra is not an option (none are)',
    );
  });
});
