// W1's durable-shape floor (shape-worker.ts and the client's `shape` mode): the stream names and
// event kinds both sides share, and a bare pull loop. The loop is the shape of the worker's
// TaskPull (src/nats/task-pull.ts) without its recovery paths: long-poll pull requests on ONE
// inbox subscription, and never more messages asked for than the caller has room for. It is
// used instead of nats.js's consume()/fetch() so that the floor pays no more client CPU per
// message than recflow's own pull does.
import { createInbox, type Msg, type NatsConnection } from "nats";

export const SHAPE_EVENTS_STREAM = "BENCH_EVENTS";
export const SHAPE_EVENTS_PREFIX = "bench.ev.";
export const SHAPE_WORK_STREAM = "BENCH_SHAPE";
export const SHAPE_WORK_SUBJECT = "bench.shape";
export const SHAPE_WORKERS_CONSUMER = "workers";

/** The first payload byte of an event says which it is (the client needs only "Succeeded"). */
export const EventKind = { Queued: 1, Succeeded: 3 } as const;

/** A ~`bytes` event or work message whose first byte is `kind`. */
export function shapePayload(bytes: number, kind: number): Uint8Array {
  const p = new Uint8Array(bytes);
  p[0] = kind;
  return p;
}

/**
 * The grouped floor (W1's `shape-grouped`): a message standing for `members` tasks, whose bytes
 * 1-2 say how many, sized as recflow's per-member bytes times that (spec or result per member).
 */
export function groupPayload(bytesPerMember: number, kind: number, members: number): Uint8Array {
  const p = shapePayload(Math.max(8, bytesPerMember * members), kind);
  p[1] = members & 0xff;
  p[2] = members >> 8;
  return p;
}

/** How many tasks a grouped floor's message stands for (1 for a per-task one). */
export function groupMembers(data: Uint8Array): number {
  return data.length >= 3 && (data[1] | data[2]) !== 0 ? data[1] | (data[2] << 8) : 1;
}

export interface RawPullOptions {
  stream: string;
  consumer: string;
  /** How many messages the caller could take now; requests keep `requested ≤ capacity()`. */
  capacity(): number;
  /** Smallest top-up once something is already asked for: fewer, larger requests. */
  minBatch: number;
  expiresMs: number;
  onMessage(m: Msg): void;
}

const PENDING_MSGS = "Nats-Pending-Messages";
const RETRY_AFTER_ERROR_MS = 200;
const encoder = new TextEncoder();

export class RawPull {
  readonly #nc: NatsConnection;
  readonly #opts: RawPullOptions;
  readonly #inbox = createInbox();
  readonly #subject: string;
  /** Batch size of each open request, by its reply token. */
  readonly #open = new Map<string, number>();
  #requested = 0;
  #next = 0;
  #retry: NodeJS.Timeout | undefined;

  constructor(nc: NatsConnection, opts: RawPullOptions) {
    this.#nc = nc;
    this.#opts = opts;
    this.#subject = `$JS.API.CONSUMER.MSG.NEXT.${opts.stream}.${opts.consumer}`;
    nc.subscribe(`${this.#inbox}.*`, { callback: (_err, m) => this.#receive(m) });
  }

  /** Asks for more when the caller's free room exceeds what is already asked for. */
  refill(): void {
    if (this.#retry || this.#nc.isClosed()) return;
    const want = this.#opts.capacity() - this.#requested;
    if (want <= 0 || (this.#requested > 0 && want < this.#opts.minBatch)) return;
    const token = (this.#next++).toString(36);
    this.#open.set(token, want);
    this.#requested += want;
    this.#nc.publish(this.#subject, encoder.encode(JSON.stringify({ batch: want, expires: this.#opts.expiresMs * 1_000_000 })), { reply: `${this.#inbox}.${token}` });
  }

  #receive(m: Msg): void {
    // Status answers come on the request's own reply subject; messages keep their stream subject.
    if (m.subject.startsWith(this.#inbox)) return this.#status(m.subject.slice(this.#inbox.length + 1), m);
    if (this.#requested > 0) this.#requested--;
    this.#opts.onMessage(m);
    if (this.#requested === 0) this.#open.clear();
    this.refill();
  }

  /** 408: the request expired with this many of its batch undelivered; anything else: refused. */
  #status(token: string, m: Msg): void {
    const code = m.headers?.code ?? 0;
    if (code === 100) return;
    const batch = this.#open.get(token);
    this.#open.delete(token);
    const left = Number(m.headers?.get(PENDING_MSGS));
    const undelivered = Number.isInteger(left) && left >= 0 ? left : (batch ?? 0);
    this.#requested = Math.max(0, this.#requested - undelivered);
    if (code === 408 && Number.isInteger(left)) return this.refill();
    process.stderr.write(`pull on ${this.#opts.stream}/${this.#opts.consumer} refused: ${code} ${m.headers?.description ?? ""}\n`);
    this.#retry ??= setTimeout(() => {
      this.#retry = undefined;
      this.refill();
    }, RETRY_AFTER_ERROR_MS);
  }
}
