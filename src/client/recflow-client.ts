// RecflowClient: the typed Node client of a recflow gateway. Requests are the generated message
// types, watches are async iterators that resume by after_sequence across a gateway restart, runs
// return typed answers or throw typed errors, and every call takes an AbortSignal. The CLI, the
// bench client and the tests use it.
import { createReadStream } from "node:fs";
import * as grpc from "@grpc/grpc-js";
import { createDatasetsClient, createModelsClient, createTasksClient, type DatasetsServiceClient, type ModelsServiceClient, type TasksServiceClient } from "../api/client.js";
import { toTimestamp } from "../api/task-model.js";
import type { TaskSpec } from "../generated/recflow/v1/TaskSpec.js";
import type { Task__Output } from "../generated/recflow/v1/Task.js";
import type { TaskEvent__Output } from "../generated/recflow/v1/TaskEvent.js";
import type { Recommend } from "../generated/recflow/v1/Recommend.js";
import type { SimilarItems } from "../generated/recflow/v1/SimilarItems.js";
import type { ListTasksRequest } from "../generated/recflow/v1/ListTasksRequest.js";
import type { ListTasksResponse__Output } from "../generated/recflow/v1/ListTasksResponse.js";
import type { SubmitTaskRequest } from "../generated/recflow/v1/SubmitTaskRequest.js";
import type { BatchSubmitTaskResult__Output } from "../generated/recflow/v1/BatchSubmitTaskResult.js";
import type { UploadDatasetRequest } from "../generated/recflow/v1/UploadDatasetRequest.js";
import type { DatasetMetadata } from "../generated/recflow/v1/DatasetMetadata.js";
import type { Dataset__Output } from "../generated/recflow/v1/Dataset.js";
import type { ListDatasetsResponse__Output } from "../generated/recflow/v1/ListDatasetsResponse.js";
import type { Model__Output } from "../generated/recflow/v1/Model.js";
import type { ListModelsResponse__Output } from "../generated/recflow/v1/ListModelsResponse.js";
import type { ModelAlias__Output } from "../generated/recflow/v1/ModelAlias.js";
import { abortReason, RecflowError } from "./errors.js";
import { compileOptions, type CompiledOptions, type RecflowClientOptions } from "./options.js";
import { resumableWatch } from "./resumable-watch.js";
import { RunCollector, isTerminalEvent, toRecommendations, toSimilarItems, type Recommendations, type SimilarItemsAnswer, type TaskRun } from "./task-run.js";
import { rowChunks, type DatasetRow } from "./dataset-rows.js";
import { MAX_BATCH_SUBMIT, SubmitCoalescer } from "./submit-coalescer.js";
import { RunListener } from "./run-listener.js";

export { MAX_BATCH_SUBMIT };
/** Task ids per WatchTasks stream (the gateway's limit). */
export const MAX_WATCH_IDS = 10_000;
/** Labels per task (the gateway's limit): a run whose spec has this many is not labelled for the run listener. */
const MAX_LABELS = 32;

export interface CallOptions {
  signal?: AbortSignal;
  /** This call's deadline; the client's callTimeoutMs when absent. */
  timeoutMs?: number;
}

export interface SubmitOptions extends CallOptions {
  /** Idempotency key: the same request id returns the same task and runs nothing twice. */
  requestId?: string;
  /** The task's deadline (TaskSpec.deadline): it fails with DEADLINE_EXCEEDED rather than run past it. */
  deadline?: Date;
  /** Labels added to the spec's own. */
  labels?: Record<string, string>;
}

export interface WatchOptions {
  /** Only events after this sequence (a resume point: the last `sequence` you saw). @default 0 */
  afterSequence?: number;
  signal?: AbortSignal;
}

/** Which tasks one WatchTasks stream follows: listed ids (ends when all finished) or a label selector (never ends). */
export type WatchManySelection = { taskIds: string[] } | { labelSelector: string };

export interface RunManyOptions {
  signal?: AbortSignal;
  /** Request id prefix: entry i gets `<prefix>-<i>`, so the whole call can be retried. */
  requestIdPrefix?: string;
}

export interface UploadOptions extends Omit<CallOptions, "timeoutMs"> {
  datasetId?: string;
  displayName?: string;
  labels?: Record<string, string>;
  /** @default the client's uploadTimeoutMs */
  timeoutMs?: number;
}

type UnaryStart<Res> = (md: grpc.Metadata, opts: grpc.CallOptions, cb: grpc.requestCallback<Res>) => grpc.ClientUnaryCall;

export class RecflowClient implements AsyncDisposable {
  readonly address: string;
  readonly #opts: CompiledOptions;
  readonly #tasks: TasksServiceClient;
  readonly #datasets: DatasetsServiceClient;
  readonly #models: ModelsServiceClient;
  readonly #coalescer: SubmitCoalescer | undefined;
  readonly #listener: RunListener | undefined;

  constructor(address: string, options: RecflowClientOptions = {}) {
    this.address = address;
    this.#opts = compileOptions(options);
    this.#tasks = createTasksClient(address, {}, this.#opts.security);
    this.#datasets = createDatasetsClient(address, {}, this.#opts.security);
    this.#models = createModelsClient(address, {}, this.#opts.security);
    this.#coalescer = this.#opts.coalesceSubmits ? new SubmitCoalescer({
      one: (req, deadline, signal) => this.#call((md, o, cb) => this.#tasks.SubmitTask(req, md, o, cb), signal, deadline),
      many: (requests, deadline, done) => {
        const c = this.#tasks.BatchSubmitTasks({ requests, allOrNothing: false }, new grpc.Metadata(), { deadline }, (err, res) => done(err, res?.results));
        return { cancel: () => c.cancel() };
      },
      error: (err) => RecflowError.from(err, this.address),
    }) : undefined;
    this.#listener = this.#opts.multiplexRuns ? new RunListener(
      (labelSelector, afterSequence, signal) => this.watchMany({ labelSelector }, { afterSequence, signal }),
      (taskId, signal) => this.follow(taskId, { signal }),
    ) : undefined;
  }

  // --- tasks ---------------------------------------------------------------------------------

  /**
   * Stores a task and returns it at once (QUEUED); it never waits for the work. With the
   * coalesceSubmits option, submits made in the same turn of the event loop travel as one
   * BatchSubmitTasks call, each still answered with its own task or the error SubmitTask would
   * give it; an abort rejects only its own submit (once sent, the task may still be stored).
   */
  submit(spec: TaskSpec, opts: SubmitOptions = {}): Promise<Task__Output> {
    const req = this.#submitRequest(spec, opts);
    const deadline = this.#deadline(opts);
    if (this.#coalescer) return this.#coalescer.submit(req, deadline, opts.signal);
    return this.#call((md, o, cb) => this.#tasks.SubmitTask(req, md, o, cb), opts.signal, deadline);
  }

  getTask(taskId: string, opts: CallOptions = {}): Promise<Task__Output> {
    return this.#unary((md, o, cb) => this.#tasks.GetTask({ taskId }, md, o, cb), opts);
  }

  cancel(taskId: string, reason = "", opts: CallOptions = {}): Promise<Task__Output> {
    return this.#unary((md, o, cb) => this.#tasks.CancelTask({ taskId, reason }, md, o, cb), opts);
  }

  listTasks(req: ListTasksRequest = {}, opts: CallOptions = {}): Promise<ListTasksResponse__Output> {
    return this.#unary((md, o, cb) => this.#tasks.ListTasks(req, md, o, cb), opts);
  }

  /**
   * BatchSubmitTasks in calls of up to 1000: one result per request, in order (the task, or that
   * entry's google.rpc.Status).
   */
  async submitBatch(requests: SubmitTaskRequest[], opts: CallOptions & { allOrNothing?: boolean } = {}): Promise<BatchSubmitTaskResult__Output[]> {
    const out: BatchSubmitTaskResult__Output[] = [];
    for (let start = 0; start < requests.length; start += MAX_BATCH_SUBMIT) {
      const slice = requests.slice(start, start + MAX_BATCH_SUBMIT);
      const res = await this.#unary<{ results: BatchSubmitTaskResult__Output[] }>(
        (md, o, cb) => this.#tasks.BatchSubmitTasks({ requests: slice, allOrNothing: opts.allOrNothing ?? false }, md, o, cb), opts);
      out.push(...res.results);
    }
    return out;
  }

  /**
   * The task's events (all, or those after `afterSequence`), live, until its terminal event. A
   * stream cut by UNAVAILABLE or a gateway restart is reopened from the last event received, so
   * every event comes once, in order. Leaving the loop early cancels the call.
   */
  watch(taskId: string, opts: WatchOptions = {}): AsyncGenerator<TaskEvent__Output, void, undefined> {
    return resumableWatch((afterSequence) => this.#tasks.WatchTask({ taskId, afterSequence }), {
      afterSequence: opts.afterSequence ?? 0,
      signal: opts.signal,
      target: this.address,
      reconnect: this.#opts.reconnect,
      isComplete: isTerminalEvent,
    });
  }

  /**
   * Many tasks' events on one WatchTasks stream, in event-stream order, resuming as `watch` does.
   * With task ids it ends once every one has finished; with a label selector it runs until the
   * signal aborts or the loop is left.
   */
  watchMany(selection: WatchManySelection, opts: WatchOptions = {}): AsyncGenerator<TaskEvent__Output, void, undefined> {
    const pending = "taskIds" in selection ? new Set(selection.taskIds) : undefined;
    return resumableWatch((afterSequence) => this.#tasks.WatchTasks({ ...selection, afterSequence }), {
      afterSequence: opts.afterSequence ?? 0,
      signal: opts.signal,
      target: this.address,
      reconnect: this.#opts.reconnect,
      isComplete: (ev) => {
        if (pending === undefined) return false;
        if (isTerminalEvent(ev)) pending.delete(ev.taskId);
        return pending.size === 0;
      },
    });
  }

  /**
   * Submits and follows the task to its end: the result, or TaskFailedError / TaskCancelledError.
   * With the multiplexRuns option every run of this client is followed on one shared WatchTasks
   * stream (run-listener.ts): the task carries the label `recflow.dev/listener=<this client's
   * id>`. A run with a request id (it may name an older task) is followed on its own stream.
   */
  async run(spec: TaskSpec, opts: SubmitOptions = {}): Promise<TaskRun> {
    const listener = this.#listener;
    const labels = { ...spec.labels, ...opts.labels };
    const shared = listener !== undefined && !opts.requestId && Object.keys(labels).length < MAX_LABELS;
    const task = await this.submit(spec, shared ? { ...opts, labels: { ...opts.labels, ...listener.labels } } : opts);
    return (shared ? listener.follow(task, opts.signal) : undefined) ?? this.follow(task.id, { signal: opts.signal });
  }

  /** Follows a submitted task to its end, as `run` does. */
  async follow(taskId: string, opts: WatchOptions = {}): Promise<TaskRun> {
    const collector = new RunCollector();
    for await (const ev of this.watch(taskId, opts)) collector.onEvent(ev);
    return collector.outcome(taskId);
  }

  /**
   * Runs many tasks: BatchSubmitTasks in calls of 1000, then one WatchTasks stream per 10,000 tasks
   * (not one stream per task). One settled outcome per spec, in order: the run, or why the entry
   * was not stored or did not succeed.
   */
  async runMany(specs: TaskSpec[], opts: RunManyOptions = {}): Promise<PromiseSettledResult<TaskRun>[]> {
    const requests = specs.map((task, i) => ({ task, requestId: opts.requestIdPrefix ? `${opts.requestIdPrefix}-${i}` : "" }));
    const stored = await this.submitBatch(requests, { signal: opts.signal });
    const out: PromiseSettledResult<TaskRun>[] = [];
    const collectors = new Map<string, { collector: RunCollector; firstSequence: number; indices: number[] }>();
    stored.forEach((r, i) => {
      if (r.task) {
        const entry = collectors.get(r.task.id) ?? { collector: new RunCollector(), firstSequence: Number(r.task.lastSequence), indices: [] };
        entry.indices.push(i);
        collectors.set(r.task.id, entry);
      } else {
        const status = r.error ?? { code: grpc.status.UNKNOWN, message: "no result for this entry" };
        const err = Object.assign(new Error(status.message), { code: status.code, details: status.message, metadata: new grpc.Metadata() });
        out[i] = { status: "rejected", reason: RecflowError.from(err, this.address) };
      }
    });
    const ids = [...collectors.keys()];
    const streams: Promise<void>[] = [];
    for (let start = 0; start < ids.length; start += MAX_WATCH_IDS) {
      const taskIds = ids.slice(start, start + MAX_WATCH_IDS);
      // A new task's events all come after its Queued event (lastSequence at submit): start there
      // rather than replay the whole stream. A repeated request id may return a task that began
      // earlier, so with request ids the watch starts from 0.
      const afterSequence = opts.requestIdPrefix ? 0 : Math.max(0, Math.min(...taskIds.map((id) => collectors.get(id)?.firstSequence ?? 1)) - 1);
      streams.push((async () => {
        for await (const ev of this.watchMany({ taskIds }, { afterSequence, signal: opts.signal })) collectors.get(ev.taskId)?.collector.onEvent(ev);
      })());
    }
    await Promise.all(streams);
    for (const [id, { collector, indices }] of collectors) {
      let settled: PromiseSettledResult<TaskRun>;
      try {
        settled = { status: "fulfilled", value: collector.outcome(id) };
      } catch (reason) {
        settled = { status: "rejected", reason };
      }
      for (const i of indices) out[i] = settled;
    }
    return out;
  }

  /** Runs a Recommend task and collects its streamed chunks: one entry per user. */
  async recommend(req: Recommend, opts: SubmitOptions = {}): Promise<Recommendations> {
    return toRecommendations(await this.run({ recommend: req }, opts));
  }

  /** Runs a SimilarItems task and collects its streamed chunks: one entry per item. */
  async similarItems(req: SimilarItems, opts: SubmitOptions = {}): Promise<SimilarItemsAnswer> {
    return toSimilarItems(await this.run({ similarItems: req }, opts));
  }

  // --- datasets, models, aliases -----------------------------------------------------------------

  /**
   * Uploads a dataset from a file path (CSV/TSV, streamed) or from rows (written as CSV on the
   * fly, never held whole), honouring back-pressure.
   */
  async uploadDataset(source: string | Iterable<DatasetRow> | AsyncIterable<DatasetRow>, opts: UploadOptions = {}): Promise<Dataset__Output> {
    const chunks: AsyncIterable<Uint8Array> = typeof source === "string" ? createReadStream(source, { highWaterMark: 64 * 1024 }) : rowChunks(source);
    const metadata: DatasetMetadata = { datasetId: opts.datasetId ?? "", displayName: opts.displayName ?? "", labels: opts.labels ?? {} };
    const signal = opts.signal;
    signal?.throwIfAborted();
    const timeoutMs = opts.timeoutMs ?? this.#opts.uploadTimeoutMs;
    let settled = false;
    let call!: grpc.ClientWritableStream<UploadDatasetRequest>;
    const result = new Promise<Dataset__Output>((resolve, reject) => {
      call = this.#datasets.UploadDataset(new grpc.Metadata(), { deadline: Date.now() + timeoutMs }, (err, res) => {
        settled = true;
        if (signal?.aborted) reject(abortReason(signal));
        else if (err || !res) reject(RecflowError.from(err, this.address));
        else resolve(res);
      });
    });
    const onAbort = (): void => call.cancel();
    signal?.addEventListener("abort", onAbort, { once: true });
    const write = (msg: UploadDatasetRequest): Promise<void> =>
      call.write(msg) ? Promise.resolve() : new Promise<void>((r) => call.once("drain", () => r()));
    try {
      await write({ metadata });
      for await (const chunk of chunks) {
        if (settled) break; // the gateway already answered (e.g. a bad row): stop sending
        await write({ chunk });
      }
      call.end();
    } catch (err) {
      // A source that failed (unreadable file, a row with a line break): abandon the upload.
      call.cancel();
      await result.catch(() => undefined);
      throw err;
    } finally {
      signal?.removeEventListener("abort", onAbort);
    }
    return result;
  }

  getDataset(datasetId: string, opts: CallOptions = {}): Promise<Dataset__Output> {
    return this.#unary((md, o, cb) => this.#datasets.GetDataset({ datasetId }, md, o, cb), opts);
  }

  listDatasets(page: { pageSize?: number; pageToken?: string } = {}, opts: CallOptions = {}): Promise<ListDatasetsResponse__Output> {
    return this.#unary((md, o, cb) => this.#datasets.ListDatasets(page, md, o, cb), opts);
  }

  getModel(modelId: string, opts: CallOptions = {}): Promise<Model__Output> {
    return this.#unary((md, o, cb) => this.#models.GetModel({ modelId }, md, o, cb), opts);
  }

  listModels(page: { pageSize?: number; pageToken?: string } = {}, opts: CallOptions = {}): Promise<ListModelsResponse__Output> {
    return this.#unary((md, o, cb) => this.#models.ListModels(page, md, o, cb), opts);
  }

  getAlias(name: string, opts: CallOptions = {}): Promise<ModelAlias__Output> {
    return this.#unary((md, o, cb) => this.#models.GetModelAlias({ name }, md, o, cb), opts);
  }

  /** Points an alias at a model; with `expectedRevision`, only if nobody moved it since (compare-and-set). */
  setAlias(name: string, modelId: string, opts: CallOptions & { expectedRevision?: number } = {}): Promise<ModelAlias__Output> {
    const req = { name, modelId, ...(opts.expectedRevision !== undefined ? { expectedRevision: opts.expectedRevision } : {}) };
    return this.#unary((md, o, cb) => this.#models.SetModelAlias(req, md, o, cb), opts);
  }

  // --- lifecycle ---------------------------------------------------------------------------------

  /** Closes the channels; calls still running fail with CANCELLED. */
  close(): void {
    // Queued submits leave first, so they end as a unary call running at close() does.
    this.#coalescer?.flush();
    this.#listener?.close(new RecflowError("recflow: the client was closed while the run was in progress", { code: grpc.status.CANCELLED }));
    this.#tasks.close();
    this.#datasets.close();
    this.#models.close();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    this.close();
    return Promise.resolve();
  }

  // --- internals ---------------------------------------------------------------------------------

  #submitRequest(spec: TaskSpec, opts: SubmitOptions): SubmitTaskRequest {
    const task: TaskSpec = {
      ...spec,
      ...(opts.deadline ? { deadline: toTimestamp(opts.deadline.getTime()) } : {}),
      ...(opts.labels ? { labels: { ...spec.labels, ...opts.labels } } : {}),
    };
    return { requestId: opts.requestId ?? "", task };
  }

  /** A unary call as a promise: the client's deadline, the signal cancels it, errors typed. */
  #unary<Res>(start: UnaryStart<Res>, opts: CallOptions): Promise<Res> {
    return this.#call(start, opts.signal, this.#deadline(opts));
  }

  /** A call's deadline: its own timeoutMs, else the client's callTimeoutMs, from now. */
  #deadline(opts: CallOptions): number {
    return Date.now() + (opts.timeoutMs ?? this.#opts.callTimeoutMs);
  }

  #call<Res>(start: UnaryStart<Res>, signal: AbortSignal | undefined, deadline: number): Promise<Res> {
    if (signal?.aborted) return Promise.reject(abortReason(signal));
    return new Promise<Res>((resolve, reject) => {
      const onAbort = (): void => c.cancel();
      const c = start(new grpc.Metadata(), { deadline }, (err, res) => {
        signal?.removeEventListener("abort", onAbort);
        if (signal?.aborted) reject(abortReason(signal));
        else if (err || res === undefined) reject(RecflowError.from(err, this.address));
        else resolve(res);
      });
      signal?.addEventListener("abort", onAbort, { once: true });
    });
  }
}
