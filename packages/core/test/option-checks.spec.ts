import { describe, expect, it } from 'vitest';
import { booleanOptions, onlyKnownOptions, WsGateConfigError } from '../src/index.js';

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

describe('booleanOptions', () => {
  const defaults = { logRefusals: true, polling: false };

  it('defaults every missing key, keeps the given ones, and freezes the result', () => {
    expect(booleanOptions('adapter options', undefined, defaults)).toEqual(defaults);
    const resolved = booleanOptions('adapter options', { polling: true }, defaults);
    expect(resolved).toEqual({ logRefusals: true, polling: true });
    expect(Object.isFrozen(resolved)).toBe(true);
    expect(booleanOptions('adapter options', {}, {})).toEqual({});
  });

  it('refuses an unknown key, a value that is not a boolean, and a non-object, naming them', () => {
    expect(() => booleanOptions('adapter options', { pollling: true }, defaults)).toThrow(
      new WsGateConfigError('adapter options: pollling is not an option (known: logRefusals, polling)'),
    );
    expect(() => booleanOptions('adapter options', { polling: 'yes' }, defaults)).toThrow(
      new WsGateConfigError('adapter options.polling must be a boolean'),
    );
    for (const value of [null, 'x', [true]])
      expect(() => booleanOptions('adapter options', value, defaults)).toThrow(
        new WsGateConfigError('adapter options must be an object'),
      );
  });
});
