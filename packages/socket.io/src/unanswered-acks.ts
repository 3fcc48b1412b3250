import type { Acknowledgement } from './socket-events.js';

/**
 * The acknowledgements handed to a socket's listeners and not called yet. A listener may never
 * answer (a Nest handler that returns nothing), so nothing is kept per acknowledgement: a count,
 * and one promise for "all answered", made only when a close waits for it.
 */
export class UnansweredAcks {
  #count = 0;
  #allAnswered: { readonly promise: Promise<void>; readonly resolve: () => void } | undefined;

  /** `ack` itself, whose first call counts it as answered. */
  wrap(ack: Acknowledgement): Acknowledgement {
    this.#count += 1;
    let answered = false;
    return (...args) => {
      if (!answered) {
        answered = true;
        this.#answered();
      }
      ack(...args);
    };
  }

  /** Settles once every acknowledgement handed out is answered; `undefined` when none is waiting. */
  allAnswered(): Promise<void> | undefined {
    if (this.#count === 0) return undefined;
    if (this.#allAnswered === undefined) {
      let resolve!: () => void;
      const promise = new Promise<void>((settle) => (resolve = settle));
      this.#allAnswered = { promise, resolve };
    }
    return this.#allAnswered.promise;
  }

  #answered(): void {
    this.#count -= 1;
    if (this.#count > 0 || this.#allAnswered === undefined) return;
    this.#allAnswered.resolve();
    this.#allAnswered = undefined;
  }
}
