// The worker's pull from the `workers` consumer: long-poll pull requests on ONE inbox subscription
// that lives as long as the worker, so a message the server delivered is always received.
//
// Why not nats.js's consumer.fetch(): each fetch opens its own subscription and closes it on a
// client timer at expires × 1.05. When the event loop is late (a busy main thread, GC), that timer
// can run before the socket read that holds a message the server sent inside the window: the
// subscription is gone, the message is dropped, and the task waits out ack_wait (30 s) before it
// is redelivered. It also paid a round trip between one fetch's end and the next one's start.
//
// Here each pull request has its own reply subject under the inbox (`<inbox>.<n>`), so the
// server's status answers (408 Request Timeout with Nats-Pending-Messages, 409s) say which request
// ended and how many of its messages will never come. `#requested` counts the messages the server
// may still send us; the worker keeps `busy + requested ≤ slots`, so a worker never holds more
// messages than its free slots plus its prefetch. Requests are primed before a thread is free:
// when capacity frees up by at least `minBatch` (or nothing is asked for at all) another request
// goes out at once, so an idle worker never waits for a pull round trip.
import { setTimeout as sleep } from "node:timers/promises";
import { createInbox, type Msg, type NatsError, type Subscription } from "nats";
import type { Logger } from "../log.js";
import type { Broker } from "./connection.js";
import { TASKS_STREAM, WORKERS_CONSUMER } from "./subjects.js";

export interface TaskPullOptions {
  /** How long one pull request waits on the server for messages. */
  expiresMs: number;
  /** How many more messages the worker could take right now (free slots, bounded). */
  capacity(): number;
  /** Smallest top-up request once something is already asked for: fewer, larger requests. */
  minBatch: number;
  /** Every delivered message, at once, in the order received. */
  onMessage(msg: Msg): void;
}

interface OpenRequest {
  batch: number;
  /** performance.now() after which the server has certainly ended it. */
  endsBy: number;
}

const PULL_SUBJECT = `$JS.API.CONSUMER.MSG.NEXT.${TASKS_STREAM}.${WORKERS_CONSUMER}`;
const PENDING_MSGS = "Nats-Pending-Messages";
/** After a refused pull (no JetStream, consumer missing, too many waiting requests): wait before asking again. */
const RETRY_AFTER_ERROR_MS = 500;
/** An open request not ended by a status this long after its expiry is taken as gone (see #sweep). */
const LOST_REQUEST_GRACE_MS = 2_000;
/** How long stop() waits for the server to confirm the inbox is drained. */
const DRAIN_TIMEOUT_MS = 2_000;
const encoder = new TextEncoder();

export class TaskPull {
  readonly #broker: Broker;
  readonly #log: Logger;
  readonly #opts: TaskPullOptions;
  readonly #inbox = createInbox();
  readonly #sub: Subscription;
  readonly #open = new Map<string, OpenRequest>();
  readonly #sweepTimer: NodeJS.Timeout;
  readonly #offReconnect: () => void;
  #retryTimer: NodeJS.Timeout | undefined;
  /** Messages the server may still deliver on the requests we sent. */
  #requested = 0;
  #next = 0;
  #stopped = false;

  constructor(broker: Broker, log: Logger, opts: TaskPullOptions) {
    this.#broker = broker;
    this.#log = log;
    this.#opts = opts;
    this.#sub = broker.nc.subscribe(`${this.#inbox}.*`, { callback: (err, m) => this.#receive(err, m) });
    this.#sweepTimer = setInterval(() => this.#sweep(), Math.max(250, opts.expiresMs / 2));
    this.#sweepTimer.unref();
    // Requests do not survive a broken connection reliably (the server may or may not still hold
    // them): start the accounting over. Asking twice only means a prefetched message or two more.
    this.#offReconnect = broker.onReconnect(() => {
      this.#open.clear();
      this.#requested = 0;
      this.refill();
    });
  }

  /** Messages asked for and not yet delivered or given up by the server. */
  get requested(): number {
    return this.#requested;
  }

  /** Asks for more messages if the worker's free capacity exceeds what is already asked for. */
  refill(): void {
    if (this.#stopped || this.#retryTimer || !this.#broker.connected) return;
    const want = this.#opts.capacity() - this.#requested;
    if (want <= 0 || (this.#requested > 0 && want < this.#opts.minBatch)) return;
    const id = (this.#next++).toString(36);
    this.#open.set(id, { batch: want, endsBy: performance.now() + this.#opts.expiresMs });
    this.#requested += want;
    try {
      this.#broker.nc.publish(PULL_SUBJECT, encoder.encode(JSON.stringify({ batch: want, expires: this.#opts.expiresMs * 1_000_000 })), { reply: `${this.#inbox}.${id}` });
    } catch (err) {
      // The connection is closed or draining: nothing will come for this request.
      this.#end(id, want);
      this.#log.debug({ err }, "pull request not sent");
    }
  }

  /**
   * Stops asking and lets go of the inbox: messages already on their way are still handed over
   * (the subscription is drained, not dropped), then nothing more arrives.
   */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    clearInterval(this.#sweepTimer);
    clearTimeout(this.#retryTimer);
    this.#offReconnect();
    if (this.#broker.nc.isClosed()) return;
    // A drain waits for the server's answer; with NATS down that could be forever: give up after
    // a while and just unsubscribe (nothing can arrive from a server we cannot reach anyway).
    const gaveUp = new AbortController();
    await Promise.race([
      this.#sub.drain().catch(() => undefined),
      sleep(DRAIN_TIMEOUT_MS, undefined, { signal: gaveUp.signal }).catch(() => undefined),
    ]);
    gaveUp.abort();
    if (!this.#sub.isClosed()) this.#sub.unsubscribe();
  }

  #receive(err: NatsError | null, m: Msg): void {
    if (err) {
      this.#log.warn({ err }, "pull inbox failed");
      return;
    }
    if (m.subject.startsWith(this.#inbox)) {
      this.#status(m.subject.slice(this.#inbox.length + 1), m);
      return;
    }
    // A task message: its subject is the stream's, its reply the ack subject.
    if (this.#requested > 0) this.#requested--;
    this.#opts.onMessage(m);
    // Once nothing is owed, every request is used up.
    if (this.#requested === 0) this.#open.clear();
    this.refill();
  }

  /** A status answer to one request: 408 (expired, normal), 409/503 (refused or ended), 100 (heartbeat). */
  #status(id: string, m: Msg): void {
    const code = m.headers?.code ?? 0;
    if (code === 100) return;
    const req = this.#open.get(id);
    const left = Number(m.headers?.get(PENDING_MSGS));
    // Without a count the request was refused outright: none of its batch was delivered.
    if (req) this.#end(id, Number.isInteger(left) && left >= 0 ? left : req.batch);
    const expired = code === 408 && Number.isInteger(left);
    if (!expired) {
      this.#log.warn({ code, description: m.headers?.description }, "pull request refused; asking again shortly");
      this.#retryLater();
      return;
    }
    this.refill();
  }

  #end(id: string, undelivered: number): void {
    this.#open.delete(id);
    this.#requested = Math.max(0, this.#requested - undelivered);
  }

  #retryLater(): void {
    if (this.#retryTimer || this.#stopped) return;
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = undefined;
      this.refill();
    }, RETRY_AFTER_ERROR_MS);
    this.#retryTimer.unref();
  }

  /**
   * A request can end without a status: fully delivered (normal), or lost with its server (a
   * restart, a leader change). Requests past their expiry (plus a grace for a late event loop)
   * are forgotten; once none is left, nothing more can come, so the count starts over at zero.
   */
  #sweep(): void {
    const now = performance.now();
    for (const [id, r] of this.#open) if (now > r.endsBy + LOST_REQUEST_GRACE_MS) this.#open.delete(id);
    if (this.#open.size === 0 && this.#requested > 0) this.#requested = 0;
    this.refill();
  }
}
