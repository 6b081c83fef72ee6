// Runs one delivery of one task, end to end: may this attempt run (attempt-decision.ts `admit`;
// the log: terminal? fenced?), write Started, run the job in a thread while heartbeating and
// streaming progress, then decide (`decide`) and perform that one decision (#apply): exactly one
// outcome written, then ack / nak / term.
//
// Invariants (docs/architecture.md, "Delivery rules"): the message is acked only after the
// terminal event is stored; a stale attempt never acks; a conflict on append means someone else
// decided, so we re-read and obey.
import { fromTimestamp, toTimestamp } from "../api/task-model.js";
import type { TaskError } from "../generated/recflow/v1/TaskError.js";
import type { TaskMessage__Output } from "../generated/recflow/v1/TaskMessage.js";
import type { TaskSpec__Output } from "../generated/recflow/v1/TaskSpec.js";
import { PermanentTaskError } from "../errors.js";
import type { Logger } from "../log.js";
import { publishDeadLetter, type Broker, type EventLog, type ModelAliases, type ModelCatalog, type TaskDelivery } from "../nats/index.js";
import type { TaskInputResolver, TaskInputs } from "./task-inputs.js";
import { kindOf, kindToken } from "../api/task-model.js";
import { AttemptFencedError, AttemptLog, TaskFinishedElsewhereError } from "./attempt-log.js";
import { admit, decide, stopReasonOf, type Decision, type StopReason } from "./attempt-decision.js";
import { backoffMs, type RetryPolicy } from "./retry-policy.js";
import { timeoutAt } from "../long-timer.js";
import type { ModelArtifact, ThreadOutcome } from "./thread-protocol.js";
import { EventStream } from "./event-stream.js";
import type { WorkerPool } from "./worker-pool.js";
import { applyTrainPromotion } from "./promotion.js";
import { SpanStatusCode, type Tracing } from "../tracing.js";
import type { Attributes } from "@opentelemetry/api";

export interface RunnerDeps {
  broker: Broker;
  events: EventLog;
  inputs: TaskInputResolver;
  models: ModelCatalog;
  /** Model aliases: TrainModel promote_to. */
  aliases: ModelAliases;
  /** Largest PartialResult chunk in bytes. */
  maxChunkBytes: number;
  pool: WorkerPool;
  log: Logger;
  workerId: string;
  retry: RetryPolicy;
  heartbeatIntervalMs: number;
  progressIntervalMs: number;
  /** How long a job runs without an event before its Started is written (RECFLOW_STARTED_DELAY_MS; 0: at once). */
  startedDelayMs: number;
  /**
   * Longest one event write is retried while NATS is unreachable and the attempt still holds
   * its message: the de-duplication window less one publish timeout (see AttemptLog).
   */
  maxWriteRetryMs: number;
  allowFaultInjection: boolean;
  /** Threads an ALS training may use (RECFLOW_TRAIN_THREADS). */
  trainThreads: number;
  /** Metrics hook: an attempt began running (a compute thread took its job). */
  onStarted?: (kind: string) => void;
  /** One span per attempt when tracing is on; undefined when it is off. */
  tracing?: Tracing;
  /** Metrics hook: how an attempt ended and how long it took. */
  onOutcome?: (kind: string, outcome: Outcome, seconds: number) => void;
}

/** How an attempt ended, for metrics and traces. */
type Outcome = "succeeded" | "failed" | "retried" | "cancelled" | "fenced" | "handed_back";

/** One delivery being run: what every step of it writes to, acks and reports through. */
interface Attempt {
  delivery: TaskDelivery;
  alog: AttemptLog;
  log: Logger;
  report: (outcome: Outcome, detail?: Attributes) => void;
}

export class TaskRunner {
  readonly #d: RunnerDeps;

  constructor(deps: RunnerDeps) {
    this.#d = deps;
  }

  /**
   * Runs one delivery to its end; `stop` aborts it from outside (cancel signal, worker shutdown).
   * `releaseSlot` is called once the compute thread is done with it, before the outcome is written
   * and acked, so the worker can pull its next task while this one's last round trips are in
   * flight (the worker releases it at the end otherwise).
   */
  async run(delivery: TaskDelivery, stop: AbortController, releaseSlot: () => void = () => undefined): Promise<void> {
    const task = delivery.task;
    const log = this.#d.log.child({ taskId: task.taskId, attempt: delivery.attempt });
    const kind = kindOf(task.spec);
    // The attempt heartbeats its message from the pull until it acks, naks or gives up, event
    // writes included: a write retried through a NATS restart must not lose the message meanwhile.
    // It lets go when a heartbeat cannot be sent or the worker hands the task back at shutdown.
    const held = new AbortController();
    const beat = (): void => {
      if (!delivery.working()) held.abort("heartbeat not sent");
    };
    // A plain interval, cleared below: an async iterator of timers/promises, stopped by an abort
    // signal, cost ~20× as much per attempt (measured), and this is the hot path of every task.
    const heartbeat = setInterval(beat, this.#d.heartbeatIntervalMs);
    // And at once when NATS is back: a restarted nats-server (2.9) may resume a pending
    // message's lease with less than ack_wait left (measured: redelivered 1.9 s after its
    // delivery with a 3 s ack wait, right after a 1.1 s restart), so the next tick can be late.
    const offReconnect = this.#d.broker.onReconnect(beat);
    const onShutdown = (): void => {
      if (stopReasonOf(stop.signal) === "shutdown") held.abort("shutdown");
    };
    stop.signal.addEventListener("abort", onShutdown);
    if (stop.signal.aborted) onShutdown();
    const alog = new AttemptLog({
      events: this.#d.events, tenant: task.tenant, taskId: task.taskId, attempt: delivery.attempt, kind,
      held: held.signal, retryForMs: this.#d.maxWriteRetryMs,
    });
    const started = performance.now();
    // A child of the submit's span (the message headers carry it): every attempt of a task, the
    // retries too, hangs off the one SubmitTask span of its trace.
    const span = this.#d.tracing?.consumerSpan(`${kindToken(kind)} attempt`, delivery.traceContext, {
      "messaging.system": "nats", "recflow.task_id": task.taskId, "recflow.task_kind": kindToken(kind), "recflow.attempt": delivery.attempt,
    })?.span;
    const report = (outcome: Outcome, detail?: Attributes): void => {
      this.#d.onOutcome?.(kindToken(kind), outcome, (performance.now() - started) / 1000);
      if (!span) return;
      if (outcome === "retried") span.addEvent("task.retry", detail);
      span.addEvent("task.outcome", { "recflow.outcome": outcome });
      span.setAttribute("recflow.outcome", outcome);
      if (outcome === "failed" || outcome === "retried") span.setStatus({ code: SpanStatusCode.ERROR, message: outcome });
    };
    try {
      await this.#attempt({ delivery, alog, log, report }, stop.signal, releaseSlot);
    } catch (err) {
      if (err instanceof TaskFinishedElsewhereError) {
        log.info({ reason: err.message }, "task finished elsewhere; acking");
        // An attempt that stored Failed but died before its DLQ copy leaves this to the next
        // delivery; the copy is de-duplicated by task id if it did get there.
        if (alog.lastFailure) await deadLetter(this.#d.broker, task, alog.lastFailure, delivery.attempt).catch((e: unknown) => log.warn({ err: e }, "could not copy the failed task to the DLQ"));
        report("cancelled");
        delivery.ack();
      } else if (err instanceof AttemptFencedError) {
        log.warn({ reason: err.message }, "stale attempt stopped without ack");
        report("fenced");
      } else {
        // Could not record the outcome (broker unreachable until the attempt let go of its
        // message, or past the de-duplication window): leave the message unacked; JetStream
        // redelivers it and the next attempt starts over.
        log.error({ err }, "attempt abandoned; task will be redelivered");
        span?.setStatus({ code: SpanStatusCode.ERROR, message: "attempt abandoned" });
      }
    } finally {
      span?.end();
      clearInterval(heartbeat);
      offReconnect();
      stop.signal.removeEventListener("abort", onShutdown);
    }
  }

  /** Reads the log (writing Queued if the submitter never did) and checks this attempt may go on. */
  async #open(alog: AttemptLog, task: TaskMessage__Output, spec: TaskSpec__Output): Promise<void> {
    await alog.refresh();
    if (alog.lastSeq === 0) await alog.appendFirst({ queued: { spec, requestId: task.requestId } });
    alog.checkOwnership();
  }

  /** May it run (`admit`); run the job; what now (`decide`); do it (`#apply`). */
  async #attempt(at: Attempt, stop: AbortSignal, releaseSlot: () => void): Promise<void> {
    const { delivery, alog } = at;
    const task = delivery.task;
    const spec = task.spec!;
    const attempt = delivery.attempt;
    const maxRetries = spec.maxRetries ?? 0;
    const deadline = fromTimestamp(spec.deadline);
    // Deadlines are judged by the NATS server's clock (server-clock.ts), not this host's: the
    // message's stamp is a first sample of it.
    const clock = this.#d.events.clock;
    if (delivery.storedAtMs !== undefined) clock.observeStored(delivery.storedAtMs);
    // Object literals, not `{ ...limits, now }`: on Node 20 that spread cost ~4 µs a call here
    // (measured), a sixth of the runner's own CPU per task.
    const refused = admit({ attempt, maxRetries, deadline, now: clock.now() });
    if (refused) {
      // Not run, so no Started: the log is read (and Queued written if missing) before Failed.
      await this.#open(alog, task, spec);
      return this.#apply(at, refused);
    }
    const { outcome, stopReason } = await this.#execute(at, stop, deadline, releaseSlot);
    const decision = decide({ attempt, maxRetries, deadline, now: clock.now(), outcome, stopReason, retryDelayMs: backoffMs(this.#d.retry, attempt) });
    await this.#apply(at, decision, outcome);
  }

  /**
   * Runs the job, Started included, and says how it ended and why it was stopped, if it was. The
   * stop reason has one source: the job's abort signal, aborted first by the worker's `stop`
   * (cancel, shutdown) or the deadline timer. Throws when the log says this attempt must not go
   * on (TaskFinishedElsewhereError, AttemptFencedError) or an event could not be stored.
   */
  async #execute(at: Attempt, stop: AbortSignal, deadline: number | undefined, releaseSlot: () => void): Promise<{ outcome: ThreadOutcome; stopReason: StopReason | undefined }> {
    const { delivery, alog, log } = at;
    const task = delivery.task;
    const spec = task.spec!;
    // A first attempt writes Started when its job has run RECFLOW_STARTED_DELAY_MS (at once with
    // 0), or before its first progress, Retrying or Failed. A job whose first event comes sooner
    // and is a partial result or Succeeded writes no Started: that event's status carries the
    // start (AttemptLog.foldStart) and its compare-and-set claims the task, so a short job that
    // succeeds costs one append fewer. The job does not wait for the log: it is read while the
    // inputs resolve and the thread takes the job, every event queues behind that read, and if
    // the log says no (cancelled while queued, a newer attempt) the job is aborted and its
    // outcome never written. Redeliveries write Started before anything else: they may find the
    // task finished and must not run (or crash) it again, and their Started fences the attempt
    // they replace.
    let opened: Promise<void> | undefined;
    const open = (): Promise<void> => (opened ??= this.#open(alog, task, spec));
    let started: Promise<void> | undefined;
    const ensureStarted = (): Promise<void> => (started ??= (async () => {
      await open();
      // A partial result may have claimed the task already, carrying the start.
      if (alog.claimed) return;
      await alog.append({ started: { attempt: delivery.attempt, workerId: this.#d.workerId } });
      log.debug("task started");
    })());
    if (delivery.attempt > 1) await ensureStarted();
    // Its failure surfaces where the events wait for it; if the inputs fail first, nothing does.
    else open().catch(() => undefined);

    let inputs: TaskInputs;
    try {
      inputs = await this.#d.inputs.resolve(task);
    } catch (err) {
      if (!(err instanceof PermanentTaskError)) throw err; // broker trouble: redelivered later
      await ensureStarted();
      return { outcome: { ok: false, aborted: false, permanent: true, code: err.code, reason: err.reason, message: err.message }, stopReason: undefined };
    }

    // Aborted with the stop reason (a string: an abort without one builds a DOMException).
    const job = new AbortController();
    const stream = new EventStream(alog, this.#d.progressIntervalMs, () => void delivery.working(), job, log);
    let startedTimer: NodeJS.Timeout | undefined;
    const onStop = (): void => job.abort(stopReasonOf(stop));
    if (stop.aborted) onStop();
    else stop.addEventListener("abort", onStop, { once: true });
    // A deadline can be years away, beyond what one setTimeout can wait (see long-timer.ts).
    // The deadline is a server-clock instant: the local timer fires at the matching local time.
    const deadlineTimer = deadline === undefined ? undefined : timeoutAt(this.#d.events.clock.toLocal(deadline), () => job.abort("deadline" satisfies StopReason));

    let outcome: ThreadOutcome;
    let stopReason: StopReason | undefined;
    try {
      outcome = await this.#d.pool.run(
        {
          taskId: task.taskId, tenant: task.tenant, attempt: delivery.attempt, workerId: this.#d.workerId, spec,
          allowFaultInjection: this.#d.allowFaultInjection, trainThreads: this.#d.trainThreads, inputs, maxChunkBytes: this.#d.maxChunkBytes,
        },
        (msg) => {
          if (msg.type === "crash-process" && this.#d.allowFaultInjection) {
            // A crash in the middle of the run: once Started is stored, like a task that got going.
            void ensureStarted().finally(() => {
              log.warn("fault injection: worker process exits now");
              process.exit(86);
            });
            return;
          }
          if (msg.type === "began") {
            this.#d.onStarted?.(kindToken(alog.kind));
            alog.foldStart(this.#d.workerId, this.#d.events.clock.now());
            stream.begin(open);
            if (this.#d.startedDelayMs === 0) stream.then(ensureStarted);
            else startedTimer = setTimeout(() => stream.then(ensureStarted), this.#d.startedDelayMs);
          }
          else stream.push(msg);
        },
        job.signal,
      );
    } finally {
      // The thread is free: the next task can have it while the events below are written. A stop
      // that comes from now on is not this job's: the outcome stands, and a cancel stored meanwhile
      // is found by the outcome's compare-and-set append.
      stopReason = stopReasonOf(job.signal);
      clearTimeout(startedTimer);
      releaseSlot();
      deadlineTimer?.clear();
      stop.removeEventListener("abort", onStop);
    }
    // A job that never began (aborted in the queue, a thread that died at once) still records its
    // start, carried by its outcome; the outcome waits for the log read.
    alog.foldStart(this.#d.workerId, this.#d.events.clock.now());
    stream.begin(open);
    await stream.flush();
    // A conflict while streaming events means the task was cancelled or taken over (it aborted
    // the job too, so this comes before the stop reason).
    if (stream.failure) throw stream.failure;
    // A job that failed by itself or ran out of time is answered by Retrying or Failed, each
    // written after this attempt's Started: a start still folded is written now, before the
    // decision reads the clock, so Retrying's next_attempt_time is the back-off after Retrying
    // itself (not after a decision one append older). Cancel and shutdown write neither.
    if (!outcome.ok && (stopReason === undefined || stopReason === "deadline")) await ensureStarted();
    return { outcome, stopReason };
  }

  /** Performs a decision: the writes it needs, then ack, nak or term; then metrics and the log line. */
  async #apply(at: Attempt, decision: Decision, outcome?: ThreadOutcome): Promise<void> {
    const { delivery, alog, log, report } = at;
    switch (decision.kind) {
      case "succeed": {
        if (!outcome?.ok) throw new Error("a succeed decision needs the job's result");
        let result = outcome.result;
        if (outcome.artifact) {
          // A model and an alias are written only by an attempt that owns the task: one that
          // carried its start to this point claims it first (a delivery of the same task racing
          // it stops at this compare-and-set, before storing anything).
          if (!alog.claimed) await alog.append({ started: { attempt: delivery.attempt, workerId: this.#d.workerId } });
          await this.#storeModel(delivery.task, outcome.artifact);
          // After the store: an alias never names a model that is not there.
          if (outcome.artifact.promotion) result = await applyTrainPromotion(this.#d.aliases, delivery.task, outcome.artifact, result);
        }
        await alog.append({ succeeded: { result } });
        delivery.ack();
        report("succeeded");
        log.info("task succeeded");
        return;
      }
      case "fail":
        await this.#fail(delivery, alog, decision.error);
        report("failed");
        return;
      case "retry": {
        const { error, delayMs } = decision;
        await alog.append({ retrying: { attempt: delivery.attempt, error, nextAttemptTime: toTimestamp(decision.nextAttemptTime) } });
        delivery.nak(delayMs);
        report("retried", { "recflow.attempt": delivery.attempt, "recflow.retry_delay_ms": delayMs, "error.type": error.reason ?? "", "exception.message": error.message ?? "" });
        log.warn({ err: error.message, delayMs }, "task attempt failed; retrying");
        return;
      }
      case "confirm-cancelled":
        await alog.refresh();
        alog.checkOwnership(); // throws TaskFinishedElsewhereError when Cancelled is stored
        // A cancel signal without a Cancelled event cannot happen; treat it as a hand-back.
        return this.#apply(at, { kind: "hand-back" });
      case "hand-back":
        delivery.nak(0);
        report("handed_back");
        log.info("task handed back at shutdown");
        return;
    }
  }

  /**
   * Stores a trained model before Succeeded is written, so a client that sees Succeeded can use
   * the model at once. The id comes from the task id: a retried attempt overwrites, never adds.
   */
  async #storeModel(task: TaskMessage__Output, a: ModelArtifact): Promise<void> {
    const size = await this.#d.models.putBlob(task.tenant, a.modelId, "model", a.bytes);
    await this.#d.models.commit(task.tenant, a.modelId, {
      id: a.modelId, algorithm: a.algorithm, datasetId: task.spec?.trainModel?.datasetId ?? task.spec?.tuneModel?.datasetId ?? "", taskId: task.taskId,
      users: a.users, items: a.items, factors: a.factors, iterations: a.iterations, finalLoss: a.finalLoss,
      metrics: a.metrics, baselineMetrics: a.baselineMetrics, sizeBytes: size, formatVersion: a.formatVersion,
      createTime: toTimestamp(Date.now()), trainSeconds: a.trainSeconds,
    });
  }

  /** Terminal failure: Failed event, dead letter, term. */
  async #fail(delivery: TaskDelivery, alog: AttemptLog, error: TaskError): Promise<void> {
    await alog.append({ failed: { error } });
    await deadLetter(this.#d.broker, delivery.task, error, delivery.attempt);
    delivery.term();
    this.#d.log.warn({ taskId: delivery.task.taskId, attempt: delivery.attempt, reason: error.reason, err: error.message }, "task failed");
  }
}

/** Copies a failed task to RECFLOW_DLQ (best effort: the Failed event is already the truth). */
export async function deadLetter(broker: Broker, task: TaskMessage__Output, error: TaskError, deliveries: number): Promise<void> {
  await publishDeadLetter(broker, task.tenant, kindToken(kindOf(task.spec)), {
    task, error, deliveries, time: toTimestamp(Date.now()),
  });
}
