// The NATS server's clock, as seen from this process: the local clock plus an offset learned from
// the timestamps JetStream puts on stored messages. Deadlines are instants in real time; a worker
// host whose clock is off by minutes would fail tasks minutes early (clock ahead) or let them run
// minutes past their deadline (clock behind). The NATS hosts are few and run by the operator, so
// recflow takes their clock as the reference and compares deadlines with it (docs/operations.md).
//
// Two kinds of samples:
// - an append of our own, sent at local time t0 and acknowledged at t1, was stamped by the
//   stream leader in between: the offset (server minus local) is within [stamp - t1, stamp - t0],
//   and the middle of that window is the estimate, to within half the round trip;
// - any stored message read or delivered later than its stamp: stamp - now is a LOWER bound of
//   the offset, loose by however long the message waited (a redelivery: seconds; a backlog: more).
// Until a write window is known, a lower bound is used only where the wait cannot explain it:
// above +NOISE_MS (this host is certainly behind), or below -LOOSE_MS (a clock minutes ahead,
// not a message that waited). An offset under NOISE_MS either way is taken as none: hosts kept
// in time by NTP use their own clock as it is.
/** A round trip longer than this gives an estimate too loose to use. */
const MAX_WINDOW_MS = 2_000;
/** Offsets smaller than this are noise: the local clock is used as it is. */
const NOISE_MS = 1_000;
/** A negative lower bound this far out is a clock ahead, not a message that waited. */
const LOOSE_MS = 30_000;
/** How long a write window stays in use without a newer one. */
const WINDOW_LIFE_MS = 10 * 60_000;
/** Lower bounds are kept as the highest of each such period, the current and the last one. */
const BOUND_PERIOD_MS = 60_000;

interface Sample {
  offsetMs: number;
  /** Local time the sample was taken. */
  atMs: number;
}

export class ServerClock {
  /** The latest usable write window: its middle, its half-width, when it was taken. */
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

  /** Server time minus local time, in ms: 0 when nothing is known or it is under NOISE_MS. */
  get offsetMs(): number {
    const now = this.#localNow();
    let bound = Number.NEGATIVE_INFINITY;
    for (const b of this.#bounds) if (now - b.atMs < 2 * BOUND_PERIOD_MS) bound = Math.max(bound, b.offsetMs);
    let offset = 0;
    if (this.#window && now - this.#window.atMs < WINDOW_LIFE_MS) offset = Math.max(this.#window.offsetMs, bound);
    else if (Number.isFinite(bound) && (bound >= NOISE_MS || bound <= -LOOSE_MS)) offset = bound;
    return Math.abs(offset) >= NOISE_MS ? offset : 0;
  }

  /** A local instant (epoch ms) for a server instant: when a local timer must fire for it. */
  toLocal(serverMs: number): number {
    return serverMs - this.offsetMs;
  }

  /** Our own write, sent at local `sentMs`, answered at local `answeredMs`, stamped `stampMs` by the server. */
  observeWrite(stampMs: number, sentMs: number, answeredMs: number): void {
    if (!Number.isFinite(stampMs) || answeredMs < sentMs || answeredMs - sentMs > MAX_WINDOW_MS) return;
    this.observeStored(stampMs, answeredMs);
    const errorMs = (answeredMs - sentMs) / 2;
    const cur = this.#window;
    // A tighter window replaces a looser one; any window replaces one a minute old.
    if (!cur || errorMs <= cur.errorMs || answeredMs - cur.atMs > BOUND_PERIOD_MS) {
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
