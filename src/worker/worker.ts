// A compute worker process: pulls at most as many tasks as it has free threads (plus
// RECFLOW_PREFETCH), runs each through a TaskRunner, listens for cancel signals, dead-letters
// tasks JetStream gave up on, and shuts down gracefully (stop pulling, let in-flight work finish
// within the grace time, hand the rest back with nak, drain NATS).
import type { RecflowConfig } from "../config.js";
import type { Logger } from "../log.js";
import { fromTimestamp, kindOf, kindToken, makeEvent, toTimestamp } from "../api/task-model.js";
import {
  AppendConflictError, Broker, EventLog, TaskQueue, ensureTopology, onCancelSignal, onMaxDeliveries, openStores,
  type Stores,
  type MaxDeliveriesAdvisory, type TaskDelivery, type TaskPull,
} from "../nats/index.js";
import type { Subscription } from "nats";
import { WorkerRegistration } from "../nats/worker-registry.js";
import { startQueueJanitor } from "../nats/queue-janitor.js";
import { TaskRunner, deadLetter } from "./task-runner.js";
import { WorkerPool } from "./worker-pool.js";
import { ArtifactCache } from "./artifact-cache.js";
import { TaskInputResolver } from "./task-inputs.js";
import { createMetrics, serveMetrics, type Metrics } from "../metrics.js";
import { createTracing, type Tracing } from "../tracing.js";
import { HeldDelivery } from "./held-delivery.js";
import type { Server as HttpServer } from "node:http";

export interface WorkerOptions {
  config: RecflowConfig;
  log: Logger;
}

/** One pull request's life on the server; an idle worker renews it (a 408 answer, then a new request). */
const PULL_EXPIRES_MS = 5_000;
const QUEUE_JANITOR_EVERY_MS = 30_000;

export class Worker {
  readonly #cfg: RecflowConfig;
  readonly #log: Logger;
  readonly #broker: Broker;
  readonly #events: EventLog;
  readonly #queue: TaskQueue;
  readonly #pool: WorkerPool;
  readonly #runner: TaskRunner;
  /**
   * Attempts running here, by delivery (`<tenant>.<task>@<stream seq>`), not by task: a task can
   * have two messages at once (the queue janitor requeued one the consumer passed over while the
   * first still ran), and each attempt must be cancellable and awaited at shutdown.
   */
  readonly #inflight = new Map<string, { stop: AbortController; done: Promise<void>; delivery: HeldDelivery }>();
  readonly #subs: Subscription[] = [];
  readonly #stopPulling = new AbortController();
  #pull: TaskPull | undefined;
  /** Tasks holding a compute slot: pulled and not yet done with their thread. */
  #busy = 0;
  #closing: Promise<void> | undefined;
  readonly #metrics: Metrics & { stop(): void };
  readonly #tracing: Tracing | undefined;
  #metricsServer: HttpServer | undefined;
  /** This worker's record in the workers bucket (the dashboard's Workers page). */
  #registry: WorkerRegistration | undefined;
  metricsPort: number | undefined;

  private constructor(opts: WorkerOptions, broker: Broker, stores: Stores) {
    const { datasets, models, aliases } = stores;
    this.#cfg = opts.config;
    this.#log = opts.log;
    this.#broker = broker;
    this.#events = new EventLog(broker, opts.config);
    this.#queue = new TaskQueue(broker, opts.log);
    this.#pool = new WorkerPool({ threads: opts.config.threads });
    this.#metrics = createMetrics("worker", { inFlight: () => this.#inflight.size, queueDepth: () => this.#queue.depth() });
    const metrics = this.#metrics;
    this.#tracing = createTracing("worker", metrics.registry, opts.log);
    const inputs = new TaskInputResolver({ datasets, models, aliases, cache: new ArtifactCache(opts.config.artifactCacheBytes), log: opts.log.child({ component: "datasets" }) });
    this.#runner = new TaskRunner({
      broker, events: this.#events, pool: this.#pool, inputs, models, aliases,
      // Headroom under max_msg_size for the event envelope, snapshot and headers.
      maxChunkBytes: Math.max(16 * 1024, opts.config.maxEventBytes - 16 * 1024), log: opts.log, workerId: opts.config.instanceId,
      retry: { baseMs: opts.config.retryBaseMs, maxMs: opts.config.retryMaxMs },
      heartbeatIntervalMs: opts.config.heartbeatIntervalMs, progressIntervalMs: opts.config.progressIntervalMs, startedDelayMs: opts.config.startedDelayMs,
      maxWriteRetryMs: opts.config.duplicateWindowMs - opts.config.publishTimeoutMs, allowFaultInjection: opts.config.allowFaultInjection, trainThreads: opts.config.trainThreads,
      tracing: this.#tracing,
      onStarted: (kind) => metrics.tasksStarted.inc({ kind }),
      onOutcome: (kind, outcome, seconds) => {
        metrics.taskOutcomes.inc({ kind, outcome });
        metrics.taskDuration.observe({ kind, outcome }, seconds);
      },
    });
  }

  static async start(opts: WorkerOptions): Promise<Worker> {
    const { config, log } = opts;
    const broker = await Broker.connect({
      servers: config.natsServers, name: `recflow-worker-${config.instanceId}`, publishTimeoutMs: config.publishTimeoutMs, security: config,
    }, log.child({ component: "nats" }));
    let stores: Stores;
    try {
      await ensureTopology(broker.jsm, config, log);
      stores = await openStores(broker, config.streamReplicas, log);
    } catch (err) {
      await broker.close();
      throw err;
    }
    const w = new Worker(opts, broker, stores);
    w.#subs.push(onCancelSignal(broker, (tenant, taskId) => {
      for (const t of w.#inflight.values()) if (t.delivery.task.taskId === taskId && t.delivery.task.tenant === tenant) t.stop.abort("cancelled");
    }));
    w.#subs.push(onMaxDeliveries(broker, log, (a) => w.#deadLetterExhausted(a)));
    if (config.metricsAddress) {
      const m = await serveMetrics(config.metricsAddress, w.#metrics.registry, () => broker.connected && !w.#stopPulling.signal.aborted);
      w.#metricsServer = m.server;
      w.metricsPort = m.port;
    }
    w.#startPulling();
    // Task messages the work-queue consumer passed over (see queue-janitor.ts): every worker looks.
    startQueueJanitor({ broker, events: w.#events, log }, QUEUE_JANITOR_EVERY_MS, w.#stopPulling.signal);
    // Listing is for people, not for work: a worker that cannot register still works.
    w.#registry = await WorkerRegistration.start(broker, {
      workerId: config.instanceId, slotsTotal: config.threads + config.prefetch, replicas: config.streamReplicas, log,
      load: () => ({ slotsBusy: w.#busy, tasksRunning: w.#inflight.size }),
    }).catch((err: unknown) => void log.warn({ err }, "worker registry unavailable; this worker is not listed"));
    log.info({ threads: config.threads, workerId: config.instanceId }, "worker started");
    return w;
  }

  get inflight(): number {
    return this.#inflight.size;
  }

  /** Free capacity: slots not held by a task, bounded by the tasks still finishing (see #pull). */
  #capacity(): number {
    if (this.#stopPulling.signal.aborted) return 0;
    const slots = this.#cfg.threads + this.#cfg.prefetch;
    // Tasks past their compute (writing the outcome, acking) hold no slot, but their number is
    // still bounded: at most as many again as the slots, should NATS turn slow.
    return Math.max(0, Math.min(slots - this.#busy, 2 * slots - this.#inflight.size));
  }

  /**
   * Long-poll pulls kept primed on one inbox (nats/task-pull.ts): messages asked for never exceed
   * the free capacity, and every message the server sends is received, even when this thread is
   * late (a fetch() closed on a timer could drop one, which then waited out ack_wait).
   */
  #startPulling(): void {
    const slots = this.#cfg.threads + this.#cfg.prefetch;
    this.#pull = this.#queue.startPull({
      expiresMs: PULL_EXPIRES_MS,
      capacity: () => this.#capacity(),
      minBatch: Math.max(1, Math.floor(slots / 4)),
      onDelivery: (d) => this.#dispatch(d),
    });
    this.#pull.refill();
  }

  #dispatch(d: TaskDelivery): void {
    const key = `${d.task.tenant}.${d.task.taskId}@${d.streamSeq}`;
    const running = this.#inflight.get(key);
    if (running) {
      // A redelivery of the message an attempt here still works on (see held-delivery.ts).
      running.delivery.adopt(d);
      this.#log.info({ taskId: d.task.taskId, attempt: running.delivery.attempt, delivery: d.attempt }, "redelivered while still running here: the running attempt carries on with the new delivery");
      this.#pull?.refill();
      return;
    }
    const created = fromTimestamp(d.task.createTime);
    if (d.attempt === 1 && created !== undefined) this.#metrics.queueWait.observe({ kind: kindToken(kindOf(d.task.spec)) }, Math.max(0, Date.now() - created) / 1000);
    const stop = new AbortController();
    // A slot is held from the pull until the compute thread is done: the outcome's append and
    // ack then overlap with the next task instead of idling a thread for two round trips.
    this.#busy++;
    let released = false;
    const wakePuller = (): void => this.#pull?.refill();
    const release = (): void => {
      if (released) return;
      released = true;
      this.#busy--;
      wakePuller();
    };
    const delivery = new HeldDelivery(d);
    const done = this.#runner.run(delivery, stop, release).finally(() => {
      if (this.#inflight.get(key)?.delivery === delivery) this.#inflight.delete(key);
      release();
      wakePuller(); // the in-flight bound may have been what held the puller
    });
    this.#inflight.set(key, { stop, done, delivery });
  }

  /**
   * JetStream gave up on a task message (max_deliver reached, e.g. it crashes every worker):
   * write Failed if nothing terminal is stored yet, copy it to the DLQ, remove it from the queue.
   */
  async #deadLetterExhausted(a: MaxDeliveriesAdvisory): Promise<void> {
    const task = await this.#queue.get(a.streamSeq);
    if (!task) return;
    const log = this.#log.child({ taskId: task.taskId });
    const error = { code: 14, reason: "MAX_DELIVERIES", message: `no worker completed the task in ${a.deliveries} deliveries`, retryable: false, attempt: a.deliveries };
    for (let i = 0; i < 5; i++) {
      // From the leader, as every decision is: a replica that is behind may not have the
      // terminal event yet; each append after it is refused, and after five tries a task that
      // finished would still be copied to the DLQ.
      const last = await this.#events.last(task.tenant, task.taskId, "leader");
      if (last?.failed || last?.succeeded || last?.cancelled) break;
      const ev = makeEvent(task.taskId, last?.status ?? null, { failed: { error } }, kindOf(task.spec));
      try {
        await this.#events.append(task.tenant, task.taskId, ev, { expectedLastSeq: last?.sequence ?? 0, msgId: `${task.taskId}:max-deliveries` });
        break;
      } catch (err) {
        if (!(err instanceof AppendConflictError)) throw err;
      }
    }
    await deadLetter(this.#broker, task, error, a.deliveries);
    await this.#queue.remove(a.streamSeq);
    log.warn({ deliveries: a.deliveries, at: toTimestamp(Date.now()).seconds }, "task dead-lettered after max deliveries");
  }

  /**
   * Graceful shutdown: stop pulling; give in-flight tasks `graceMs` to finish; abort the rest,
   * which hands them back to JetStream (nak) for another worker; then close threads and NATS.
   */
  close(graceMs = this.#cfg.shutdownGraceMs): Promise<void> {
    this.#closing ??= (async () => {
      this.#log.info({ inflight: this.#inflight.size, graceMs }, "worker draining");
      this.#stopPulling.abort();
      void this.#registry?.markDraining();
      // Messages already on their way are taken in and run like the others (within the grace).
      await this.#pull?.stop();
      const all = (): Promise<unknown> => Promise.allSettled([...this.#inflight.values()].map((t) => t.done));
      let timer: NodeJS.Timeout | undefined;
      const timedOut = await Promise.race([
        all().then(() => false),
        new Promise<boolean>((r) => (timer = setTimeout(() => r(true), graceMs))),
      ]);
      clearTimeout(timer);
      if (timedOut) {
        this.#log.warn({ inflight: this.#inflight.size }, "grace period over; handing tasks back");
        for (const t of this.#inflight.values()) t.stop.abort("shutdown");
        await all();
      }
      for (const s of this.#subs) s.unsubscribe();
      await this.#registry?.stop();
      await this.#pool.close();
      await this.#broker.close();
      await this.#tracing?.shutdown();
      this.#metricsServer?.close();
      this.#metrics.stop();
      this.#log.info("worker stopped");
    })();
    return this.#closing;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}
