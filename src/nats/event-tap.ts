// A bounded buffer of live events for one watch: the feed pushes, the watch takes. A watch that
// does not keep up overflows it: the buffer is dropped and the watch replays from the cache or the
// stream instead. Events are durable, so a slow client costs reads, never unbounded gateway memory.

export const OVERFLOW = Symbol("overflow");
export const IDLE = Symbol("idle");
/** A watch with no live event for this long re-reads the stream once. */
export const RESYNC_IDLE_MS = 15_000;

export class Tap<E> {
  readonly #buffer: E[] = [];
  #overflowed = false;
  readonly #max: number;
  readonly #onOverflow: () => void;
  /** Wakes the waiting take(), if any. */
  #wake: (() => void) | undefined;

  /** `onOverflow` is called when events are dropped (once per overflow, from the feed's loop). */
  constructor(max: number, onOverflow: () => void = () => undefined) {
    this.#max = max;
    this.#onOverflow = onOverflow;
  }

  /** Events waiting to be taken. */
  get size(): number {
    return this.#buffer.length;
  }

  push(ev: E): void {
    if (this.#overflowed) return;
    if (this.#buffer.length >= this.#max) {
      this.#buffer.length = 0;
      this.#overflowed = true;
      this.#onOverflow();
    } else {
      this.#buffer.push(ev);
    }
    this.#wake?.();
  }

  /**
   * Buffered events, OVERFLOW when some were dropped, or IDLE when nothing came for `idleMs`
   * (the caller then re-reads the stream: a live feed that stalled, e.g. across a NATS
   * fail-over, can delay a watch but never strand it); waits while there are none. Null once
   * `signal` aborts.
   */
  async take(signal: AbortSignal, idleMs: number): Promise<E[] | typeof OVERFLOW | typeof IDLE | null> {
    while (this.#buffer.length === 0 && !this.#overflowed) {
      if (signal.aborted) return null;
      const woke = await this.#wait(signal, idleMs);
      if (woke === IDLE) return IDLE;
    }
    if (this.#overflowed) {
      this.#overflowed = false;
      return OVERFLOW;
    }
    return this.#buffer.splice(0, this.#buffer.length);
  }

  /**
   * Until a push, `idleMs`, or `signal`, whichever comes first. Hand-rolled rather than
   * `events.once` raced with `timers/promises` (both with a signal): that cost 130 µs per wait
   * against 6 µs for this (the loser's AbortError and the extra promises), and every watch that
   * keeps up waits once per event; with hundreds of watches the feed's loop fell seconds behind.
   */
  #wait(signal: AbortSignal, idleMs: number): Promise<typeof IDLE | undefined> {
    return new Promise((resolve) => {
      const finish = (result: typeof IDLE | undefined): void => {
        clearTimeout(timer);
        signal.removeEventListener("abort", onAbort);
        this.#wake = undefined;
        resolve(result);
      };
      const onAbort = (): void => finish(undefined);
      const timer = setTimeout(finish, idleMs, IDLE);
      this.#wake = () => finish(undefined);
      signal.addEventListener("abort", onAbort, { once: true });
    });
  }
}
