// What a run collects from a task's events: the PartialResult chunks of the attempt that
// finished (a retried attempt streams its chunks again from index 0, so each Started starts over)
// and the terminal event, turned into the typed answer or a typed error.
import type { TaskEvent__Output } from "../generated/recflow/v1/TaskEvent.js";
import type { TaskResult__Output } from "../generated/recflow/v1/TaskResult.js";
import type { PartialResult__Output } from "../generated/recflow/v1/PartialResult.js";
import type { RecommendResult__Output } from "../generated/recflow/v1/RecommendResult.js";
import type { SimilarItemsResult__Output } from "../generated/recflow/v1/SimilarItemsResult.js";
import type { UserRecommendations__Output } from "../generated/recflow/v1/UserRecommendations.js";
import type { ItemNeighbours__Output } from "../generated/recflow/v1/ItemNeighbours.js";
import { TaskCancelledError, TaskFailedError } from "./errors.js";

/** A task that SUCCEEDED: its result and the partial results its final attempt streamed. */
export interface TaskRun {
  taskId: string;
  result: TaskResult__Output;
  /** PartialResult chunks of the attempt that succeeded, in chunk order. */
  partials: PartialResult__Output[];
  /** The attempt that succeeded (1-based). */
  attempt: number;
  /** W3C trace id of the task's trace; empty when tracing is off. */
  traceId: string;
}

/** A Recommend task's answer: one entry per requested user, in the order the worker streamed them. */
export interface Recommendations {
  taskId: string;
  result: RecommendResult__Output;
  users: UserRecommendations__Output[];
}

/** A SimilarItems task's answer: one entry per requested item. */
export interface SimilarItemsAnswer {
  taskId: string;
  result: SimilarItemsResult__Output;
  items: ItemNeighbours__Output[];
}

export const isTerminalEvent = (ev: TaskEvent__Output): boolean => ev.event === "succeeded" || ev.event === "failed" || ev.event === "cancelled";

export class RunCollector {
  #partials: PartialResult__Output[] = [];
  #terminal: TaskEvent__Output | undefined;

  /** Feeds one event; true when it was the terminal one. */
  onEvent(ev: TaskEvent__Output): boolean {
    if (ev.event === "started") this.#partials = [];
    else if (ev.partialResult) this.#partials.push(ev.partialResult);
    if (isTerminalEvent(ev)) this.#terminal = ev;
    return this.#terminal !== undefined;
  }

  get done(): boolean {
    return this.#terminal !== undefined;
  }

  /** The run's outcome: the TaskRun, or TaskFailedError / TaskCancelledError. */
  outcome(taskId: string): TaskRun {
    const ev = this.#terminal;
    if (!ev) throw new Error(`recflow: the watch of task ${taskId} ended before the task finished`);
    if (ev.failed) throw new TaskFailedError(ev);
    if (ev.cancelled) throw new TaskCancelledError(ev);
    return {
      taskId: ev.taskId,
      result: ev.succeeded?.result ?? {},
      partials: [...this.#partials].sort((a, b) => a.chunkIndex - b.chunkIndex),
      attempt: ev.status?.attempt ?? 0,
      traceId: ev.status?.traceId ?? "",
    };
  }
}

export function toRecommendations(run: TaskRun): Recommendations {
  return {
    taskId: run.taskId,
    result: run.result.recommend ?? { users: 0, coldStartUsers: 0, chunks: 0, modelId: "" },
    users: run.partials.flatMap((p) => p.recommendations),
  };
}

export function toSimilarItems(run: TaskRun): SimilarItemsAnswer {
  return {
    taskId: run.taskId,
    result: run.result.similarItems ?? { items: 0, unknownItems: 0, chunks: 0, modelId: "" },
    items: run.partials.flatMap((p) => p.neighbours),
  };
}
