// Client commands: submit, watch, get, cancel, list. They talk to a gateway over gRPC.
import { status as Code, type ServiceError } from "@grpc/grpc-js";
import { call, clientSecurityFromEnv, createTasksClient, type TasksServiceClient } from "../api/client.js";
import { toTimestamp } from "../api/task-model.js";
import type { TaskSpec } from "../generated/recflow/v1/TaskSpec.js";
import type { Task__Output } from "../generated/recflow/v1/Task.js";
import type { TaskEvent__Output } from "../generated/recflow/v1/TaskEvent.js";
import type { ListTasksResponse__Output } from "../generated/recflow/v1/ListTasksResponse.js";
import { EventPrinter, UsageError, printTask, stateName } from "./output.js";
import { submitMany } from "./batch-commands.js";

export interface CommonSubmitFlags {
  address: string;
  maxRetries?: number;
  timeout?: number;
  priority?: number;
  label?: string[];
  requestId?: string;
  watch?: boolean;
  json?: boolean;
  /** Submit this many copies in batches (BatchSubmitTasks); 1 or absent: one SubmitTask. */
  count?: number;
}

export function parseLabels(pairs: string[] = []): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const p of pairs) {
    const i = p.indexOf("=");
    if (i <= 0) throw new UsageError(`--label ${JSON.stringify(p)}: expected key=value`);
    labels[p.slice(0, i)] = p.slice(i + 1);
  }
  return labels;
}

/** The spec's common fields from flags; `kindPart` holds the kind member. */
export function buildSpec(kindPart: TaskSpec, flags: CommonSubmitFlags): TaskSpec {
  return {
    ...kindPart,
    ...(flags.maxRetries !== undefined ? { maxRetries: flags.maxRetries } : {}),
    ...(flags.timeout !== undefined ? { deadline: toTimestamp(Date.now() + flags.timeout * 1000) } : {}),
    priority: flags.priority ?? 0,
    labels: parseLabels(flags.label),
  };
}

export async function submit(spec: TaskSpec, flags: CommonSubmitFlags): Promise<number> {
  if ((flags.count ?? 1) > 1) return submitMany(spec, flags.count ?? 1, flags);
  const client = createTasksClient(flags.address, {}, clientSecurityFromEnv());
  try {
    const task = await call<object, Task__Output>(client.SubmitTask.bind(client), { requestId: flags.requestId ?? "", task: spec }, { deadlineMs: 15_000 });
    if (!flags.watch) {
      console.log(task.id);
      return 0;
    }
    console.error(`task ${task.id}`);
    return await watchTask(client, task.id, 0, flags.json ?? false);
  } finally {
    client.close();
  }
}

/**
 * Streams a task's events until its terminal event, reconnecting (with after_sequence) when the
 * gateway goes away. Exit code: 0 succeeded, 1 failed or cancelled, 130 interrupted.
 */
export async function watchTask(client: TasksServiceClient, taskId: string, afterSequence: number, json: boolean, opts: { quiet?: boolean } = {}): Promise<number> {
  const printer = new EventPrinter({ tty: Boolean(process.stderr.isTTY), json });
  let after = afterSequence;
  let retries = 0;
  for (;;) {
    const ended = await new Promise<{ error?: ServiceError; interrupted?: boolean }>((resolve) => {
      const stream = client.WatchTask({ taskId, afterSequence: after });
      const onSigint = (): void => {
        stream.cancel();
        resolve({ interrupted: true });
      };
      process.once("SIGINT", onSigint);
      stream.on("data", (ev: TaskEvent__Output) => {
        after = Number(ev.sequence);
        retries = 0;
        printer.onEvent(ev);
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
    if (ended.interrupted) {
      printer.stop();
      return 130;
    }
    if (ended.error && ended.error.code === Code.UNAVAILABLE && retries < 20) {
      retries++;
      await new Promise((r) => setTimeout(r, Math.min(5_000, 250 * 2 ** retries)));
      continue;
    }
    printer.stop();
    if (ended.error) throw ended.error;
    break;
  }
  const t = printer.terminal;
  if (!t) return 1;
  if (!json) {
    if (t.succeeded) {
      if (!opts.quiet) console.log(JSON.stringify(t.succeeded.result, null, 2));
    } else if (t.failed) console.error(`task ${stateName(t.status?.state)}: ${t.failed.error?.reason ?? ""} ${t.failed.error?.message ?? ""}`);
    else console.error(`task CANCELLED: ${t.cancelled?.reason ?? ""}`);
  }
  return t.succeeded ? 0 : 1;
}

export async function watch(address: string, taskId: string, after: number, json: boolean): Promise<number> {
  const client = createTasksClient(address, {}, clientSecurityFromEnv());
  try {
    return await watchTask(client, taskId, after, json);
  } finally {
    client.close();
  }
}

export async function get(address: string, taskId: string): Promise<number> {
  const client = createTasksClient(address, {}, clientSecurityFromEnv());
  try {
    printTask(await call<object, Task__Output>(client.GetTask.bind(client), { taskId }, { deadlineMs: 10_000 }));
    return 0;
  } finally {
    client.close();
  }
}

export async function cancel(address: string, taskId: string, reason: string): Promise<number> {
  const client = createTasksClient(address, {}, clientSecurityFromEnv());
  try {
    printTask(await call<object, Task__Output>(client.CancelTask.bind(client), { taskId, reason }, { deadlineMs: 10_000 }));
    return 0;
  } finally {
    client.close();
  }
}

export async function list(address: string, opts: { state?: string; kind?: string; pageSize?: number; pageToken?: string }): Promise<number> {
  const client = createTasksClient(address, {}, clientSecurityFromEnv());
  try {
    const res = await call<object, ListTasksResponse__Output>(client.ListTasks.bind(client), {
      state: opts.state ? `TASK_STATE_${opts.state.toUpperCase()}` : "TASK_STATE_UNSPECIFIED",
      kind: opts.kind ? `TASK_KIND_${opts.kind.toUpperCase()}` : "TASK_KIND_UNSPECIFIED",
      pageSize: opts.pageSize ?? 0,
      pageToken: opts.pageToken ?? "",
    }, { deadlineMs: 30_000 });
    for (const t of res.tasks) {
      console.log(`${t.id}  ${stateName(t.status?.state).padEnd(10)} ${String(t.status?.kind).replace("TASK_KIND_", "").padEnd(14)} attempt=${t.status?.attempt ?? 0}`);
    }
    if (res.nextPageToken) console.error(`more: --page-token ${res.nextPageToken}`);
    return 0;
  } finally {
    client.close();
  }
}
