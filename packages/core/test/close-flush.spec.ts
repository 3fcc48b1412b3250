import { describe, expect, it, vi } from 'vitest';
import { closeWhenSettled } from '../src/index.js';

describe('closeWhenSettled', () => {
  it('closes at once when nothing is pending', () => {
    const close = vi.fn();
    closeWhenSettled([], 1_000, close);
    expect(close).toHaveBeenCalledTimes(1);
  });

  it('closes once every pending reply has settled, rejected ones too, and only once', async () => {
    vi.useFakeTimers();
    try {
      const close = vi.fn();
      let resolve!: () => void;
      const replied = new Promise<void>((settle) => (resolve = settle));
      closeWhenSettled([replied, Promise.reject(new Error('failed'))], 1_000, close);
      await vi.advanceTimersByTimeAsync(10);
      expect(close).not.toHaveBeenCalled();
      resolve();
      await vi.advanceTimersByTimeAsync(0);
      expect(close).toHaveBeenCalledTimes(1);
      await vi.advanceTimersByTimeAsync(2_000);
      expect(close).toHaveBeenCalledTimes(1);
    } finally {
      vi.useRealTimers();
    }
  });

  it('closes after flushMs when a reply never comes, and not again later', async () => {
    vi.useFakeTimers();
    try {
      const close = vi.fn();
      closeWhenSettled([new Promise(() => undefined)], 1_000, close);
      await vi.advanceTimersByTimeAsync(999);
      expect(close).not.toHaveBeenCalled();
      await vi.advanceTimersByTimeAsync(1);
      expect(close).toHaveBeenCalledTimes(1);
    } finally {
      vi.useRealTimers();
    }
  });
});
