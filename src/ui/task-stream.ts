// The live task list's feed: one server-sent-events response per browser tab, fed by one
// WatchTasks stream of the session's tenant. SSE rather than gRPC-web: the browser's EventSource
// reconnects by itself and sends Last-Event-ID (our RECFLOW_EVENTS sequence), which is exactly
// WatchTasks' after_sequence, and it needs no proxy in front of the gateway.
import type { ServerResponse } from "node:http";
import type * as grpc from "@grpc/grpc-js";
import type { TaskEvent__Output } from "../generated/recflow/v1/TaskEvent.js";
import type { TasksServiceClient } from "../api/client.js";

/**
 * A selector every task matches (WatchTasks needs ids or a selector): "label recflow.dev/none is
 * not set". Nobody sets that label.
 */
export const ALL_TASKS_SELECTOR = "!recflow.dev/none";
const KEEPALIVE_MS = 15_000;

/** What the list needs from an event: a row's new state and progress, not the whole result. */
export function rowUpdate(ev: TaskEvent__Output): Record<string, unknown> {
  const s = ev.status;
  return {
    taskId: ev.taskId,
    sequence: ev.sequence,
    event: ev.event,
    state: s?.state,
    kind: s?.kind,
    attempt: s?.attempt,
    progress: s?.progress,
    message: s?.message,
    createTime: s?.createTime,
    updateTime: s?.updateTime,
    labels: ev.queued?.spec?.labels,
  };
}

/** Streams the tenant's task events after `afterSequence` as SSE until the browser goes away. */
export function streamTasks(res: ServerResponse, tasks: TasksServiceClient, opts: { selector: string; afterSequence: number }): void {
  res.writeHead(200, {
    "content-type": "text/event-stream; charset=utf-8",
    "cache-control": "no-store",
    "x-accel-buffering": "no",
  });
  // Reconnect quickly after a gateway restart; EventSource resumes from the last id it saw.
  res.write("retry: 1000\n\n");
  const call: grpc.ClientReadableStream<TaskEvent__Output> = tasks.WatchTasks({ labelSelector: opts.selector || ALL_TASKS_SELECTOR, afterSequence: opts.afterSequence });
  const keepalive = setInterval(() => res.write(": keepalive\n\n"), KEEPALIVE_MS);
  call.on("data", (ev: TaskEvent__Output) => {
    // Back-pressure: a slow tab pauses the gRPC stream, and the gateway's tap re-reads later.
    if (!res.write(`id: ${ev.sequence}\ndata: ${JSON.stringify(rowUpdate(ev))}\n\n`)) {
      call.pause();
      res.once("drain", () => call.resume());
    }
  });
  call.on("error", (err: grpc.ServiceError) => {
    // The browser shows the reason; with a `retry:` set EventSource reconnects on its own.
    if (!res.writableEnded) res.end(`event: watch-error\ndata: ${JSON.stringify({ code: err.code, message: err.details })}\n\n`);
  });
  call.on("end", () => res.end());
  res.on("close", () => {
    clearInterval(keepalive);
    call.cancel();
  });
}
