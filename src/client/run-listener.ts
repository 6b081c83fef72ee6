// Every `run` of one client followed on ONE WatchTasks stream, as Hatchet's SDKs multiplex their
// run listeners: the client labels each task it runs with its own listener id and keeps one
// stream open on the label selector `recflow.dev/listener=<id>`, instead of opening (and the
// gateway setting up and replaying) a WatchTask stream per run. On the online path (one user's
// Recommend) that stream set-up lands on the critical path of every call and costs ~1 ms of
// W9's ~8 ms on a 2-core machine (measured).
//
// Correctness rests on WatchTasks' list-then-watch: a stream opened with after_sequence = s gets
// every event of the selector after s, history first, then live, each once, in stream order. So
// a run is followed here only if its task's first event (Queued, the `lastSequence` a fresh
// submit returns) comes after the stream's starting point; any other run (the stream began after
// its Queued, a request id that found an older task) is followed by its own WatchTask instead.
// Events can arrive before the submit that made their task returns (the gateway's feed races its
// PubAck): they wait in a bounded buffer for the run to claim them. The stream closes itself once
// no run has been pending for LINGER_MS, and reopens on the next run.
import { randomBytes } from "node:crypto";
import type { TaskEvent__Output } from "../generated/recflow/v1/TaskEvent.js";
import type { Task__Output } from "../generated/recflow/v1/Task.js";
import { abortReason } from "./errors.js";
import { RunCollector, isTerminalEvent, type TaskRun } from "./task-run.js";

/** The label key a client's runs carry (one value per client). */
export const LISTENER_LABEL = "recflow.dev/listener";
/**
 * An idle stream is closed after this long without a pending run: long enough for a caller
 * making one run after another, short because an open stream keeps the process alive (a script
 * that never closes its client exits this much later).
 */
export const LINGER_MS = 2_000;
/** Tasks whose events may wait for their run to claim them (oldest dropped first). */
const EARLY_TASKS = 4_096;

interface PendingRun {
  collector: RunCollector;
  signal: AbortSignal | undefined;
  resolve: (run: TaskRun) => void;
  reject: (err: Error) => void;
}

type OpenStream = (selector: string, afterSequence: number, signal: AbortSignal) => AsyncGenerator<TaskEvent__Output, void, undefined>;
/** Follows one task on its own stream, from its first event. */
type FollowAlone = (taskId: string, signal: AbortSignal | undefined) => Promise<TaskRun>;

/** One open (or opening) stream: where it started and how to stop it. */
interface Listening {
  startAfter: number;
  stop: AbortController;
}

export class RunListener {
  /** This client's label value. */
  readonly id = `l${randomBytes(9).toString("base64url")}`;
  readonly #open: (afterSequence: number, signal: AbortSignal) => AsyncGenerator<TaskEvent__Output, void, undefined>;
  readonly #alone: FollowAlone;
  readonly #lingerMs: number;
  #stream: Listening | undefined;
  readonly #runs = new Map<string, PendingRun>();
  /** Events of tasks no run has claimed yet, per task, in arrival order (Map order: oldest first). */
  readonly #early = new Map<string, TaskEvent__Output[]>();
  #linger: NodeJS.Timeout | undefined;
  #closed = false;

  /**
   * `open` starts the resumable WatchTasks stream on this listener's selector; `alone` follows one
   * task on its own WatchTask, for the runs of a stream that failed (e.g. the tenant's watch
   * limit, a gateway away for longer than the client's reconnect time).
   */
  constructor(open: OpenStream, alone: FollowAlone, lingerMs = LINGER_MS) {
    this.#open = (after, signal) => open(`${LISTENER_LABEL}=${this.id}`, after, signal);
    this.#alone = alone;
    this.#lingerMs = lingerMs;
  }

  /** The labels a task must carry to be followed here. */
  get labels(): Record<string, string> {
    return { [LISTENER_LABEL]: this.id };
  }

  /**
   * Follows a task this client just submitted with `labels` to its end; undefined when this
   * stream cannot promise all its events (then follow it alone).
   */
  follow(task: Task__Output, signal?: AbortSignal): Promise<TaskRun> | undefined {
    const first = Number(task.lastSequence);
    const fresh = task.status?.state === "TASK_STATE_QUEUED" && task.spec?.labels?.[LISTENER_LABEL] === this.id;
    if (this.#closed || !fresh || !(first > 0)) return undefined;
    if (this.#stream && this.#stream.startAfter >= first) return undefined;
    if (signal?.aborted) return Promise.reject(abortReason(signal));
    clearTimeout(this.#linger);
    this.#linger = undefined;
    if (!this.#stream) this.#listen(first - 1);
    return new Promise<TaskRun>((resolve, reject) => {
      const taskId = task.id;
      const onAbort = (): void => {
        this.#runs.delete(taskId);
        this.#idle();
        reject(abortReason(signal!));
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      const run: PendingRun = {
        collector: new RunCollector(),
        signal,
        resolve: (r) => {
          signal?.removeEventListener("abort", onAbort);
          resolve(r);
        },
        reject: (e) => {
          signal?.removeEventListener("abort", onAbort);
          reject(e);
        },
      };
      this.#runs.set(taskId, run);
      const early = this.#early.get(taskId);
      this.#early.delete(taskId);
      for (const ev of early ?? []) this.#deliver(ev);
    });
  }

  /** Stops the stream; runs still pending fail with `reason`. */
  close(reason: Error): void {
    this.#closed = true;
    for (const r of this.#stop().values()) r.reject(reason);
  }

  #listen(after: number): void {
    const listening: Listening = { startAfter: after, stop: new AbortController() };
    this.#stream = listening;
    void (async () => {
      try {
        for await (const ev of this.#open(after, listening.stop.signal)) this.#deliver(ev);
      } catch {
        // Why it failed is for the runs' own streams to say, if it concerns them.
      }
      // Ended, not by our own stop (only an error ends a selector stream): each run still
      // pending is followed on its own stream from its first event, which repeats nothing it
      // has not yet returned.
      if (this.#stream !== listening) return;
      for (const [taskId, r] of this.#stop()) this.#alone(taskId, r.signal).then(r.resolve, r.reject);
    })();
  }

  #deliver(ev: TaskEvent__Output): void {
    const run = this.#runs.get(ev.taskId);
    if (!run) {
      this.#hold(ev);
      return;
    }
    run.collector.onEvent(ev);
    if (!isTerminalEvent(ev)) return;
    this.#runs.delete(ev.taskId);
    try {
      run.resolve(run.collector.outcome(ev.taskId));
    } catch (err) {
      run.reject(err as Error); // TaskFailedError / TaskCancelledError
    }
    this.#idle();
  }

  /** Keeps an unclaimed task's event for its run (a submit still on its way back). */
  #hold(ev: TaskEvent__Output): void {
    const held = this.#early.get(ev.taskId);
    if (held) {
      held.push(ev);
      return;
    }
    this.#early.set(ev.taskId, [ev]);
    if (this.#early.size > EARLY_TASKS) this.#early.delete(this.#early.keys().next().value!);
  }

  /** No run pending: close the stream after the linger time (a busy client keeps it). */
  #idle(): void {
    if (this.#runs.size > 0 || !this.#stream || this.#linger) return;
    this.#linger = setTimeout(() => {
      this.#linger = undefined;
      if (this.#runs.size === 0) this.#stop();
    }, this.#lingerMs).unref();
  }

  /** Ends the stream; returns the runs that were pending on it (their own to settle now). */
  #stop(): Map<string, PendingRun> {
    clearTimeout(this.#linger);
    this.#linger = undefined;
    this.#stream?.stop.abort();
    this.#stream = undefined;
    this.#early.clear();
    const runs = new Map(this.#runs);
    this.#runs.clear();
    return runs;
  }
}
