// Reading a stream from a sequence on, in order, each message once, through an ephemeral R1 pull
// consumer that the reader creates itself and re-creates the moment it looks lost: its idle
// heartbeats stop while the reader waits on it, the server says it is gone, a delivery is
// skipped, or the connection moved to another server. While a new one is being created the
// reader goes on by direct gets, which any live replica answers. Used by the gateway's live event
// feed (event-feed.ts) and by WatchTasks' history read (task-set-watch.ts).
//
// Not nats.js's ordered consumer: the cluster places an R1 consumer on any one of the stream's
// nodes, and when that node dies the ordered consumer notices only by missed heartbeats of its
// 30 s pull (15 s apart), not at all after a reconnect (its consumer check times out while the
// node is down), and waits 15-45 s between re-create tries (a first try often fails while the
// cluster elects new leaders).
import { AckPolicy, ConsumerEvents, DeliverPolicy, nanos, nuid, type ConsumerMessages } from "nats";
import { setTimeout as sleep } from "node:timers/promises";
import type { Logger } from "../log.js";
import type { Broker } from "./connection.js";

/** Tries to create a consumer are at least this far apart. */
const REOPEN_DELAY_MS = 500;
/**
 * While the consumer is being re-created, the reader reads what the stream stored since by direct
 * gets (#catchUp), asking again this long after finding nothing new. Re-creating can take seconds
 * after a node dies: the create waits for the cluster's meta leader (re-elected in 4-9 s when it
 * was on that node), and the meta leader still places about one new R1 consumer in three on the
 * dead node (it marks a SIGKILLed peer offline only after tens of seconds), a create that is never
 * answered. Direct gets need neither: any live replica answers them.
 */
const CATCH_UP_POLL_MS = 250;
/**
 * The server's idle heartbeat on a pull while it has nothing to deliver. nats.js reports
 * HeartbeatsMissed after two intervals without one (2-3 s), and the reader then re-creates its
 * consumer: how soon the loss of the consumer's node is noticed while the connection stays up.
 */
const HEARTBEAT_MS = 1_000;
/**
 * The server deletes a consumer this long after its last pull: one the reader abandoned (on a node
 * that was down, or whose delete did not get through) or left by a gateway that crashed.
 */
const CONSUMER_INACTIVE_MS = 60_000;
/** Consumer statuses that mean it no longer delivers: the reader re-creates it. */
const CONSUMER_LOST = new Set<string>([
  ConsumerEvents.HeartbeatsMissed,
  ConsumerEvents.ConsumerDeleted,
  ConsumerEvents.ConsumerNotFound,
  ConsumerEvents.StreamNotFound,
  ConsumerEvents.NoResponders,
]);

export interface StreamReaderOptions {
  stream: string;
  /** Subject filter (wildcards allowed). */
  filter: string;
  /** The first sequence to read. */
  from: number;
  /** Consumer names are this plus a unique suffix (what reads, as `nats consumer ls` shows it). */
  namePrefix: string;
  /**
   * Messages asked for per pull: about how far deliveries run ahead of the read's caller (the next
   * pull goes out once the caller has taken a quarter of them).
   */
  batch: number;
  /** What reads, for the logs ("live event feed"). */
  what: string;
}

/** A stored message as the reader passes it on; `data` may be a view of the connection's buffer. */
export interface StreamMessage {
  seq: number;
  subject: string;
  data: Uint8Array;
}

/** One read of a stream (see the file's comment); `read` once. */
export class StreamReader {
  readonly #broker: Broker;
  readonly #logger: Logger;
  readonly #opts: StreamReaderOptions;
  /** Aborted when the read ends: its signal aborted, or its caller stopped iterating. */
  readonly #ended = new AbortController();
  /** The consumer being read and its name (to delete it once abandoned). */
  #messages: ConsumerMessages | undefined;
  #consumerName = "";
  /** Consumers created so far (a first one created by `read` is not a re-creation to log). */
  #created = 0;
  #next: number;
  /** When the read began waiting for the consumer's next message; undefined while its caller has one. */
  #waitingSince: number | undefined;

  constructor(broker: Broker, logger: Logger, opts: StreamReaderOptions) {
    this.#broker = broker;
    this.#logger = logger;
    this.#opts = opts;
    this.#next = opts.from;
  }

  /** The next sequence the read has not passed on. */
  get next(): number {
    return this.#next;
  }

  /**
   * Creates the first consumer now, failing if that fails (a caller that must know the stream is
   * readable before it goes on). Without it, `read` creates it, reading by direct gets meanwhile.
   */
  async open(): Promise<void> {
    await this.#open();
  }

  /**
   * The stream's messages from `from` on, in order, each once, until `signal` aborts or the caller
   * stops iterating. It does not end by itself: a consumer that is lost or fails is re-created
   * from the next unseen sequence, and while NATS is unreachable the read waits for it.
   */
  async *read(signal: AbortSignal): AsyncGenerator<StreamMessage> {
    const end = (): void => this.#ended.abort();
    signal.addEventListener("abort", end, { once: true });
    if (signal.aborted) end();
    const done = this.#ended.signal;
    // Ends a wait for the consumer's next message.
    const onDone = (): void => void this.#messages?.stop();
    done.addEventListener("abort", onDone, { once: true });
    // After a reconnect the consumer may have gone with the server the connection was on, and
    // deliveries in flight were lost.
    const offReconnect = this.#broker.onReconnect(() => this.restart("the NATS connection moved"));
    try {
      while (!done.aborted) {
        const messages = this.#messages ?? (yield* this.#recreate(done));
        if (!messages) return;
        try {
          yield* this.#drain(messages);
          if (done.aborted) return;
          this.#logger.warn({ nextSeq: this.#next }, `${this.#opts.what} ended; re-opening it`);
        } catch (err) {
          if (done.aborted) return;
          this.#logger.warn({ err, nextSeq: this.#next }, `${this.#opts.what} failed; re-opening it`);
        }
        this.#drop();
      }
    } finally {
      offReconnect();
      signal.removeEventListener("abort", end);
      end();
      this.#drop();
    }
  }

  /**
   * Abandons the consumer being read (e.g. it went silent while the stream moved on): `read`
   * creates a new one from the next unseen sequence.
   */
  restart(why: string): void {
    this.#abandon(this.#messages, why);
  }

  /** A new consumer from the next sequence not passed on, read with idle heartbeats. */
  async #open(): Promise<ConsumerMessages> {
    const { stream, filter, namePrefix, batch } = this.#opts;
    const info = await this.#broker.jsm.consumers.add(stream, {
      name: `${namePrefix}-${nuid.next()}`,
      filter_subject: filter,
      deliver_policy: DeliverPolicy.StartSequence,
      opt_start_seq: this.#next,
      // Read once, never redelivered: a lost delivery shows as a skipped delivery sequence.
      ack_policy: AckPolicy.None,
      max_deliver: 1,
      mem_storage: true,
      num_replicas: 1,
      inactive_threshold: nanos(CONSUMER_INACTIVE_MS),
    });
    const messages = await this.#broker.js.consumers.getPullConsumerFor(info).consume({ max_messages: batch, idle_heartbeat: HEARTBEAT_MS });
    this.#consumerName = info.name;
    this.#messages = messages;
    this.#created++;
    void this.#watchConsumer(messages);
    return messages;
  }

  /**
   * Passes on what `messages` delivers that was not passed on yet (a new consumer starts where the
   * read was when it was created, and #catchUp may have gone on meanwhile), until it ends; ends it
   * at a skipped delivery.
   */
  async *#drain(messages: ConsumerMessages): AsyncGenerator<StreamMessage> {
    const delivered = messages[Symbol.asyncIterator]();
    for (let count = 1; ; count++) {
      this.#waitingSince = performance.now();
      const next = await delivered.next();
      this.#waitingSince = undefined;
      if (next.done) return;
      const m = next.value;
      if (m.info.deliverySequence !== count) {
        this.#abandon(messages, "a delivery was lost");
        return;
      }
      yield* this.#pass(m);
    }
  }

  /** `m` if it is the next message or later (the stream's order: nothing between was stored for us). */
  *#pass(m: StreamMessage): Generator<StreamMessage> {
    if (m.seq < this.#next) return;
    this.#next = m.seq + 1;
    yield { seq: m.seq, subject: m.subject, data: m.data };
  }

  /**
   * Ends `messages` (and so the read of it, which then creates a new consumer) when its status
   * says the consumer is lost: deleted, not found, no responders, or heartbeats missed while the
   * read waits on it. While the read's caller is busy with earlier messages nats.js holds back the
   * next pull, so the server owes no heartbeat: missing ones say nothing then; a consumer lost
   * meanwhile is noticed once the read waits again (its pull answered "no responders", or another
   * interval without a heartbeat).
   */
  async #watchConsumer(messages: ConsumerMessages): Promise<void> {
    for await (const s of await messages.status()) {
      if (!CONSUMER_LOST.has(s.type) || (s.type === ConsumerEvents.HeartbeatsMissed && !this.#waitedPastHeartbeat())) continue;
      this.#abandon(messages, `consumer status ${s.type}`);
      return;
    }
  }

  /** Whether the read has been waiting for the consumer longer than one heartbeat interval. */
  #waitedPastHeartbeat(): boolean {
    return this.#waitingSince !== undefined && performance.now() - this.#waitingSince > HEARTBEAT_MS;
  }

  /** Stops reading `messages` if it is still the read's consumer: `read` creates a new one. */
  #abandon(messages: ConsumerMessages | undefined, why: string): void {
    if (messages === undefined || messages !== this.#messages || this.#ended.signal.aborted) return;
    this.#messages = undefined;
    this.#logger.warn({ why, consumer: this.#consumerName, nextSeq: this.#next }, `${this.#opts.what} lost its consumer; re-creating it`);
    messages.stop();
  }

  /**
   * Stops and deletes the consumer last created. Not awaited: on a node that is down the delete
   * would wait for the timeout; the server deletes it after CONSUMER_INACTIVE_MS anyway.
   */
  #drop(): void {
    this.#messages?.stop();
    this.#messages = undefined;
    if (this.#consumerName === "") return;
    this.#broker.jsm.consumers.delete(this.#opts.stream, this.#consumerName).catch(() => undefined);
    this.#consumerName = "";
  }

  /**
   * Creates a new consumer, a try at most every REOPEN_DELAY_MS until one works, passing on what
   * #catchUp reads meanwhile; the consumer, or undefined once `done`.
   */
  async *#recreate(done: AbortSignal): AsyncGenerator<StreamMessage, ConsumerMessages | undefined> {
    const opened = new AbortController();
    let messages: ConsumerMessages | undefined;
    const opening = this.#openRetrying(done).then((m) => {
      messages = m;
      opened.abort();
    });
    yield* this.#catchUp(AbortSignal.any([done, opened.signal]));
    // Once done, a create still in flight is not waited for (it could take its timeout): it drops
    // the consumer itself when it completes.
    if (done.aborted) return undefined;
    await opening;
    return messages;
  }

  /** #open, again every REOPEN_DELAY_MS while it fails; undefined once `done`. */
  async #openRetrying(done: AbortSignal): Promise<ConsumerMessages | undefined> {
    while (!done.aborted) {
      const began = performance.now();
      try {
        const messages = await this.#open();
        if (done.aborted) {
          this.#drop(); // the read ended while this was being created
          return undefined;
        }
        if (this.#created > 1) this.#logger.info({ consumer: this.#consumerName, nextSeq: this.#next }, `${this.#opts.what} re-opened`);
        return messages;
      } catch (err) {
        this.#logger.warn({ err, nextSeq: this.#next }, `cannot re-open the ${this.#opts.what} yet`);
      }
      await sleep(Math.max(0, began + REOPEN_DELAY_MS - performance.now()), undefined, { signal: done }).catch(() => undefined);
    }
    return undefined;
  }

  /**
   * The messages stored from the next unseen sequence on, read by direct gets (any replica
   * answers) until `signal`: the read's source while it has no consumer. A replica that is behind
   * answers "none" for messages it does not have yet, never a later one in their place (its log is
   * a prefix of the leader's), so nothing is skipped; they are asked for again.
   */
  async *#catchUp(signal: AbortSignal): AsyncGenerator<StreamMessage> {
    const { stream, filter } = this.#opts;
    while (!signal.aborted) {
      const m = await this.#broker.requests.directGet(stream, { seq: this.#next, next_by_subj: filter })
        .catch(() => undefined); // none yet (404), or no replica answered: ask again shortly
      if (signal.aborted) return;
      if (m) yield* this.#pass(m);
      else await sleep(CATCH_UP_POLL_MS, undefined, { signal }).catch(() => undefined);
    }
  }
}
