// Many tasks at once: `recflow submit <kind> --count N` (BatchSubmitTasks, then WatchTasks by ids
// with --watch) and `recflow watch --selector k=v` (WatchTasks by label selector).
import { status as Code, type ServiceError } from "@grpc/grpc-js";
import { call, clientSecurityFromEnv, createTasksClient, type TasksServiceClient } from "../api/client.js";
import type { TaskSpec } from "../generated/recflow/v1/TaskSpec.js";
import type { TaskEvent__Output } from "../generated/recflow/v1/TaskEvent.js";
import type { BatchSubmitTasksResponse__Output } from "../generated/recflow/v1/BatchSubmitTasksResponse.js";
import type { WatchTasksRequest } from "../generated/recflow/v1/WatchTasksRequest.js";
import { stateName } from "./output.js";
import type { CommonSubmitFlags } from "./task-commands.js";

/** Entries per BatchSubmitTasks call the CLI sends (the gateway's limit). */
const BATCH_SIZE = 1000;
/** Task ids one WatchTasks call may list (the gateway's limit). */
export const MAX_COUNT = 10_000;

/** One line per event: `<task id> seq=<n> <event> <STATE> [progress] [reason]`. */
function eventLine(ev: TaskEvent__Output): string {
  const reason = ev.failed?.error?.reason ?? ev.cancelled?.reason ?? "";
  const progress = ev.event === "progress" ? ` ${Math.round((ev.status?.progress ?? 0) * 100)}%` : "";
  return `${ev.taskId} seq=${ev.sequence} ${ev.event ?? ""} ${stateName(ev.status?.state)}${progress}${reason ? ` ${reason}` : ""}`;
}

const isTerminal = (ev: TaskEvent__Output): boolean => ev.event === "succeeded" || ev.event === "failed" || ev.event === "cancelled";

/**
 * Streams WatchTasks, reconnecting with after_sequence when the gateway goes away. Calls `onEvent`
 * for each event; resolves with 130 on Ctrl-C, 0 when the stream ended.
 */
async function followTasks(client: TasksServiceClient, req: WatchTasksRequest, onEvent: (ev: TaskEvent__Output) => void): Promise<number> {
  let after = Number(req.afterSequence ?? 0);
  let retries = 0;
  for (;;) {
    const ended = await new Promise<{ error?: ServiceError; interrupted?: boolean }>((resolve) => {
      const stream = client.WatchTasks({ ...req, afterSequence: after });
      const onSigint = (): void => {
        stream.cancel();
        resolve({ interrupted: true });
      };
      process.once("SIGINT", onSigint);
      stream.on("data", (ev: TaskEvent__Output) => {
        after = Number(ev.sequence);
        retries = 0;
        onEvent(ev);
      });
      stream.on("end", () => {
        process.off("SIGINT", onSigint);
        resolve({});
      });
      stream.on("error", (error: ServiceError) => {
        process.off("SIGINT", onSigint);
        resolve({ error });
      });
    });
    if (ended.interrupted) return 130;
    if (ended.error?.code === Code.UNAVAILABLE && retries < 20) {
      retries++;
      await new Promise((r) => setTimeout(r, Math.min(5_000, 250 * 2 ** retries)));
      continue;
    }
    if (ended.error) throw ended.error;
    return 0;
  }
}

/**
 * Submits `count` copies of `spec` with BatchSubmitTasks (request ids `<id>-<i>` when --request-id
 * is given, so the whole command is retryable). Prints each task id (or the entry's error); with
 * --watch follows them all on one WatchTasks stream. Exit code: 0 when every task was stored (and,
 * with --watch, succeeded), else 1.
 */
export async function submitMany(spec: TaskSpec, count: number, flags: CommonSubmitFlags): Promise<number> {
  const client = createTasksClient(flags.address, {}, clientSecurityFromEnv());
  try {
    const ids: string[] = [];
    let failed = 0;
    for (let start = 0; start < count; start += BATCH_SIZE) {
      const n = Math.min(BATCH_SIZE, count - start);
      const requests = Array.from({ length: n }, (_, i) => ({ requestId: flags.requestId ? `${flags.requestId}-${start + i}` : "", task: spec }));
      const res = await call<object, BatchSubmitTasksResponse__Output>(client.BatchSubmitTasks.bind(client), { requests }, { deadlineMs: 60_000 });
      res.results.forEach((r, i) => {
        if (r.task) {
          ids.push(r.task.id);
          if (!flags.watch) console.log(r.task.id);
        } else {
          failed++;
          console.error(`entry ${start + i}: ${Code[r.error?.code ?? Code.UNKNOWN]}: ${r.error?.message ?? ""}`);
        }
      });
    }
    if (!flags.watch || ids.length === 0) return failed > 0 ? 1 : 0;
    console.error(`watching ${ids.length} tasks`);
    const ends = new Map<string, string>();
    const code = await followTasks(client, { taskIds: ids }, (ev) => {
      if (flags.json) console.log(JSON.stringify(ev));
      else console.log(eventLine(ev));
      if (isTerminal(ev)) ends.set(ev.taskId, ev.event ?? "");
    });
    if (code !== 0) return code;
    const succeeded = [...ends.values()].filter((e) => e === "succeeded").length;
    console.error(`${succeeded} of ${ids.length} tasks succeeded`);
    return failed === 0 && succeeded === ids.length ? 0 : 1;
  } finally {
    client.close();
  }
}

/** Follows every task whose labels match `selector` (including tasks submitted later) until Ctrl-C. */
export async function watchSelector(address: string, selector: string, after: number, json: boolean): Promise<number> {
  const client = createTasksClient(address, {}, clientSecurityFromEnv());
  try {
    return await followTasks(client, { labelSelector: selector, afterSequence: after }, (ev) => {
      console.log(json ? JSON.stringify(ev) : eventLine(ev));
    });
  } finally {
    client.close();
  }
}
