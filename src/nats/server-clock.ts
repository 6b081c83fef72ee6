// The NATS server's clock, as seen from this process: the local clock plus an offset learned from
// the timestamps JetStream puts on stored messages. Deadlines are instants in real time; a worker
// host whose clock is off by minutes would fail tasks minutes early (clock ahead) or let them run
// minutes past their deadline (clock behind). The NATS hosts are few and run by the operator, so
// recflow takes their clock as the reference and compares deadlines with it (docs/operations.md).
//
// Two kinds of samples:
// - an append of our own, sent at local time t0 and acknowledged at t1, was stamped by the
//   stream leader in between: offset = stamp - (t0 + t1) / 2, to within (t1 - t0) / 2;
// - any stored message read or delivered later than its stamp: stamp - now is a LOWER bound of
//   the offset (the message waited some time since). The highest recent bound is close to the
//   offset whenever a message arrives soon after it was stored (a task pulled from a short
//   queue); it never makes a deadline pass early.
/** A round trip longer than this gives an estimate too loose to use. */
const MAX_WINDOW_MS = 2_000;
/** How long a sample stays in use before newer ones must replace it. */
const SAMPLE_LIFE_MS = 10 * 60_000;
/** Lower bounds are kept as the highest of each such period, the current and the last one. */
const BOUND_PERIOD_MS = 60_000;

interface Sample {
  offsetMs: number;
  /** Local time the sample was taken. */
  atMs: number;
}

export class ServerClock {
  #window: (Sample & { errorMs: number }) | undefined;
  /** The highest lower bound of the current period and of the one before. */
  #bounds: Sample[] = [];
  readonly #localNow: () => number;

  /** `localNow` is the local clock (a test may pass an offset one). */
  constructor(localNow: () => number = Date.now) {
    this.#localNow = localNow;
  }

  /** The server's time now (epoch ms), as best known; the local time when nothing is known yet. */
  now(): number {
    return this.#localNow() + this.offsetMs;
  }

  /** Server time minus local time, in ms (0 when nothing is known yet). */
  get offsetMs(): number {
    const now = this.#localNow();
    const w = this.#window && now - this.#window.atMs < SAMPLE_LIFE_MS ? this.#window : undefined;
    const bounds = this.#bounds.filter((x) => now - x.atMs < 2 * BOUND_PERIOD_MS).map((x) => x.offsetMs);
    const b = bounds.length > 0 ? Math.max(...bounds) : undefined;
    if (w && b !== undefined) return Math.max(w.offsetMs, b);
    return w?.offsetMs ?? b ?? 0;
  }

  /** A local instant (epoch ms) for a server instant: when a local timer must fire for it. */
  toLocal(serverMs: number): number {
    return serverMs - this.offsetMs;
  }

  /** Our own write, sent at local `sentMs`, answered at local `answeredMs`, stamped `stampMs` by the server. */
  observeWrite(stampMs: number, sentMs: number, answeredMs: number): void {
    const errorMs = (answeredMs - sentMs) / 2;
    if (!Number.isFinite(stampMs) || errorMs < 0 || 2 * errorMs > MAX_WINDOW_MS) return;
    const cur = this.#window;
    // A tighter window replaces a looser one; any window replaces one that is getting old.
    if (!cur || errorMs <= cur.errorMs || answeredMs - cur.atMs > SAMPLE_LIFE_MS / 10) {
      this.#window = { offsetMs: stampMs - (sentMs + answeredMs) / 2, errorMs, atMs: answeredMs };
    }
  }

  /** A message the server stamped `stampMs`, seen here now (or at local `seenMs`): a lower bound. */
  observeStored(stampMs: number, seenMs: number = this.#localNow()): void {
    if (!Number.isFinite(stampMs)) return;
    const offsetMs = stampMs - seenMs;
    // The highest bound per period, and only the last two periods count: an old bound lets go
    // (the local clock may have been stepped, e.g. by NTP).
    const cur = this.#bounds.at(-1);
    if (!cur || seenMs - cur.atMs >= BOUND_PERIOD_MS) this.#bounds = [...this.#bounds.slice(-1), { offsetMs, atMs: seenMs }];
    else if (offsetMs > cur.offsetMs) cur.offsetMs = offsetMs;
  }
}

/** Epoch ms of a JetStream timestamp as the API writes it (RFC 3339 with up to 9 decimals). */
export function parseServerTime(rfc3339: string | undefined): number {
  if (!rfc3339) return Number.NaN;
  // Date.parse takes at most milliseconds reliably: drop the digits past them.
  return Date.parse(rfc3339.replace(/(\.\d{3})\d+/, "$1"));
}
