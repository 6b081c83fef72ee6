// The gRPC floor of W1: recflow's TasksService answered from memory by one process (no NATS, no
// workers, no durability). SubmitTask returns a queued task; WatchTask streams the three events a
// Probe{work_ms: 0} task has (Queued, then Succeeded carrying its start) and ends. Driven by the same client as
// recflow, it measures what the API alone costs on this machine: grpc-js on both sides, HTTP/2,
// protobuf. Prints {"ready":…,"port":…} once serving.
import * as grpc from "@grpc/grpc-js";
import { loadProtos } from "../api/protos.js";
import { makeEvent, nextStatus, type Status } from "../api/task-model.js";
import { newTaskId } from "../api/task-id.js";
import type { TasksServiceHandlers } from "../generated/recflow/v1/TasksService.js";
import type { TaskEvent } from "../generated/recflow/v1/TaskEvent.js";

const KIND = "TASK_KIND_PROBE";

function events(taskId: string): TaskEvent[] {
  const queued = makeEvent(taskId, null, { queued: { spec: { probe: { workMs: 0 } }, requestId: "" } }, KIND);
  // A short job's outcome carries its start (no Started of its own), as a worker writes it.
  const running = nextStatus(queued.status as Status, { started: { attempt: 1, workerId: "floor" } }, Date.now(), KIND) as Status;
  const succeeded = makeEvent(taskId, running, { succeeded: { result: { probe: { attempt: 1, workerId: "floor", workMs: 0 } } } }, KIND);
  return [{ ...queued, sequence: 1 }, { ...succeeded, sequence: 2 }];
}

const handlers: Partial<TasksServiceHandlers> = {
  SubmitTask: (call, callback) => {
    const id = newTaskId();
    callback(null, { id, requestId: call.request.requestId, spec: call.request.task, status: events(id)[0].status, lastSequence: 1 });
  },
  WatchTask: (call) => {
    for (const ev of events(call.request.taskId)) call.write(ev);
    call.end();
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
