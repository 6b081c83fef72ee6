// A task's stored events for the One task and Model pages: WatchTask replays history then goes
// live, so the read stops at the sequence GetTask reported (a running task's events so far).
import type * as grpc from "@grpc/grpc-js";
import { call, type TasksServiceClient } from "../api/client.js";
import type { Task__Output } from "../generated/recflow/v1/Task.js";
import type { TaskEvent__Output } from "../generated/recflow/v1/TaskEvent.js";

/** Events one page shows at most (a TrainModel has one Progress event per ALS iteration). */
export const MAX_HISTORY_EVENTS = 5_000;
const READ_DEADLINE_MS = 10_000;

export async function taskHistory(tasks: TasksServiceClient, taskId: string): Promise<{ task: Task__Output; events: TaskEvent__Output[]; truncated: boolean }> {
  const task = await call<{ taskId: string }, Task__Output>(tasks.GetTask.bind(tasks), { taskId }, { deadlineMs: READ_DEADLINE_MS });
  const until = Number(task.lastSequence);
  const events: TaskEvent__Output[] = [];
  let truncated = false;
  await new Promise<void>((resolve, reject) => {
    const stream: grpc.ClientReadableStream<TaskEvent__Output> = tasks.WatchTask({ taskId, afterSequence: 0 }, { deadline: Date.now() + READ_DEADLINE_MS });
    let done = false;
    const finish = (): void => {
      done = true;
      stream.cancel();
      resolve();
    };
    stream.on("data", (ev: TaskEvent__Output) => {
      if (done) return;
      events.push(ev);
      if (events.length >= MAX_HISTORY_EVENTS) truncated = true;
      if (Number(ev.sequence) >= until || truncated) finish();
    });
    stream.on("end", () => resolve());
    stream.on("error", (err: grpc.ServiceError) => (done ? resolve() : reject(err)));
  });
  return { task, events, truncated };
}

/** The loss curve of a TrainModel task: one point per ALS iteration, from its Progress events. */
export function lossCurve(events: readonly TaskEvent__Output[]): { iteration: number; loss: number }[] {
  const byIteration = new Map<number, number>();
  for (const ev of events) {
    // A retried attempt trains again from iteration 1: the curve is the last attempt's.
    if (ev.event === "started") {
      byIteration.clear();
    }
    const m = ev.progress?.metrics;
    if (m && typeof m.loss === "number" && typeof m.iteration === "number") byIteration.set(m.iteration, m.loss);
  }
  return [...byIteration].sort((a, b) => a[0] - b[0]).map(([iteration, loss]) => ({ iteration, loss }));
}
