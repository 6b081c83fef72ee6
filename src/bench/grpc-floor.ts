// The gRPC floor of W1: recflow's TasksService answered from memory by one process (no NATS, no
// workers, no durability). SubmitTask returns a queued task; WatchTask streams the two events a
// Probe{work_ms: 0} task has (Queued, then Succeeded carrying its start) and ends. For W1's
// one-stream shapes, BatchSubmitTasks answers every entry the same way, and each task submitted
// either way has its two events written to every open WatchTasks stream (one bench run opens
// one, by its label; the selector is not evaluated). Driven by the same clients as recflow, it
// measures what the API alone costs on this machine for each shape: grpc-js on both sides,
// HTTP/2, protobuf. Prints {"ready":…,"port":…} once serving.
import * as grpc from "@grpc/grpc-js";
import { loadProtos } from "../api/protos.js";
import { makeEvent, nextStatus, type Status } from "../api/task-model.js";
import { newTaskId } from "../api/task-id.js";
import type { TasksServiceHandlers } from "../generated/recflow/v1/TasksService.js";
import type { TaskEvent } from "../generated/recflow/v1/TaskEvent.js";
import type { Task } from "../generated/recflow/v1/Task.js";
import type { SubmitTaskRequest__Output } from "../generated/recflow/v1/SubmitTaskRequest.js";

const KIND = "TASK_KIND_PROBE";

function events(taskId: string): TaskEvent[] {
  const queued = makeEvent(taskId, null, { queued: { spec: { probe: { workMs: 0 } }, requestId: "" } }, KIND);
  // A short job's outcome carries its start (no Started of its own), as a worker writes it.
  const running = nextStatus(queued.status as Status, { started: { attempt: 1, workerId: "floor" } }, Date.now(), KIND) as Status;
  const succeeded = makeEvent(taskId, running, { succeeded: { result: { probe: { attempt: 1, workerId: "floor", workMs: 0 } } } }, KIND);
  return [{ ...queued, sequence: 1 }, { ...succeeded, sequence: 2 }];
}

/** Open WatchTasks streams: every task submitted from now on has its events written to each. */
const watchers = new Set<grpc.ServerWritableStream<unknown, TaskEvent>>();
/**
 * Events of labelled tasks submitted while no WatchTasks was open: the next one replays them (as
 * recflow's does from after_sequence 0; the client opens its stream and submits without waiting
 * for it). Only W1's one-stream shapes label their tasks, so the per-task shape keeps nothing.
 */
let unwatched: TaskEvent[] = [];

/**
 * Queued tasks as SubmitTask answers them; their events go to the WatchTasks streams after the
 * answer, all of one call's at once (as recflow's feed delivers a batch's events together).
 */
function submitted(reqs: SubmitTaskRequest__Output[]): Task[] {
  const all: TaskEvent[] = [];
  const tasks = reqs.map((req) => {
    const id = newTaskId();
    const evs = events(id);
    if (watchers.size > 0 || Object.keys(req.task?.labels ?? {}).length > 0) all.push(...evs);
    return { id, requestId: req.requestId, spec: req.task, status: evs[0].status, lastSequence: 1 };
  });
  if (watchers.size === 0) unwatched.push(...all);
  else if (all.length > 0) setImmediate(() => { for (const w of watchers) for (const ev of all) w.write(ev); });
  return tasks;
}

const handlers: Partial<TasksServiceHandlers> = {
  SubmitTask: (call, callback) => callback(null, submitted([call.request])[0]),
  BatchSubmitTasks: (call, callback) => callback(null, { results: submitted(call.request.requests).map((task) => ({ task })) }),
  WatchTask: (call) => {
    for (const ev of events(call.request.taskId)) call.write(ev);
    call.end();
  },
  WatchTasks: (call) => {
    for (const ev of unwatched) call.write(ev);
    unwatched = [];
    watchers.add(call);
    const forget = (): void => void watchers.delete(call);
    call.on("cancelled", forget);
    call.on("close", forget);
  },
};

const { grpcObject } = loadProtos();
const server = new grpc.Server();
server.addService(grpcObject.recflow.v1.TasksService.service, handlers as grpc.UntypedServiceImplementation);
server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (err, port) => {
  if (err) throw err;
  process.stdout.write(`${JSON.stringify({ ready: "grpc-floor", port, pid: process.pid })}\n`);
});
process.once("SIGTERM", () => server.tryShutdown(() => process.exit(0)));
