/** A handler as the emitter stores it; the public types are applied by the client. */
export type AnyHandler = (payload: never) => void;

/**
 * A minimal event emitter. Every handler runs even if an earlier one throws; a throwing
 * handler is reported through `onHandlerError`.
 */
export class Emitter {
  readonly #handlers = new Map<string, Set<AnyHandler>>();

  on(name: string, handler: AnyHandler): void {
    let set = this.#handlers.get(name);
    if (set === undefined) {
      set = new Set();
      this.#handlers.set(name, set);
    }
    set.add(handler);
  }

  off(name: string, handler: AnyHandler): void {
    const set = this.#handlers.get(name);
    if (set === undefined) return;
    set.delete(handler);
    if (set.size === 0) this.#handlers.delete(name);
  }

  emit(name: string, payload: unknown, onHandlerError: (error: unknown) => void): void {
    const set = this.#handlers.get(name);
    if (set === undefined) return;
    for (const handler of [...set]) {
      try {
        (handler as (payload: unknown) => void)(payload);
      } catch (error) {
        onHandlerError(error);
      }
    }
  }
}
