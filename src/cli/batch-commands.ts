// Many tasks at once: `recflow submit <kind> --count N` (BatchSubmitTasks, then WatchTasks by ids
// with --watch) and `recflow watch --selector k=v` (WatchTasks by label selector).
import { status as Code } from "@grpc/grpc-js";
import type { TaskSpec } from "../generated/recflow/v1/TaskSpec.js";
import type { TaskEvent__Output } from "../generated/recflow/v1/TaskEvent.js";
import type { RecflowClient, WatchManySelection } from "../client/index.js";
import { stateName } from "./output.js";
import { cliClient, untilSigint, type CommonSubmitFlags } from "./task-commands.js";

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
 * Streams WatchTasks (the client reconnects with after_sequence when the gateway goes away). Calls
 * `onEvent` for each event; resolves with 130 on Ctrl-C, 0 when the stream ended.
 */
async function followTasks(client: RecflowClient, selection: WatchManySelection, afterSequence: number, onEvent: (ev: TaskEvent__Output) => void): Promise<number> {
  const { interrupted } = await untilSigint(async (signal) => {
    for await (const ev of client.watchMany(selection, { afterSequence, signal })) onEvent(ev);
  });
  return interrupted ? 130 : 0;
}

/**
 * Submits `count` copies of `spec` with BatchSubmitTasks (request ids `<id>-<i>` when --request-id
 * is given, so the whole command is retryable). Prints each task id (or the entry's error); with
 * --watch follows them all on one WatchTasks stream. Exit code: 0 when every task was stored (and,
 * with --watch, succeeded), else 1.
 */
export async function submitMany(spec: TaskSpec, count: number, flags: CommonSubmitFlags): Promise<number> {
  const client = cliClient(flags.address);
  try {
    const ids: string[] = [];
    let failed = 0;
    for (let start = 0; start < count; start += BATCH_SIZE) {
      const n = Math.min(BATCH_SIZE, count - start);
      const requests = Array.from({ length: n }, (_, i) => ({ requestId: flags.requestId ? `${flags.requestId}-${start + i}` : "", task: spec }));
      const results = await client.submitBatch(requests, { timeoutMs: 60_000 });
      results.forEach((r, i) => {
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
    const code = await followTasks(client, { taskIds: ids }, 0, (ev) => {
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
  const client = cliClient(address);
  try {
    return await followTasks(client, { labelSelector: selector }, after, (ev) => {
      console.log(json ? JSON.stringify(ev) : eventLine(ev));
    });
  } finally {
    client.close();
  }
}
