// Client commands: submit, watch, get, cancel, list. They talk to a gateway over gRPC.
import { clientSecurityFromEnv } from "../api/client.js";
import { toTimestamp } from "../api/task-model.js";
import type { TaskSpec } from "../generated/recflow/v1/TaskSpec.js";
import type { TaskState } from "../generated/recflow/v1/TaskState.js";
import type { TaskKind } from "../generated/recflow/v1/TaskKind.js";
import { RecflowClient } from "../client/index.js";
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

/**
 * The spec's common fields from flags over `kindPart` (the kind member, or a whole spec from
 * `submit spec`): a flag given wins, a flag not given leaves the spec's own value (its labels
 * are merged with --label's).
 */
export function buildSpec(kindPart: TaskSpec, flags: CommonSubmitFlags): TaskSpec {
  return {
    ...kindPart,
    ...(flags.maxRetries !== undefined ? { maxRetries: flags.maxRetries } : {}),
    ...(flags.timeout !== undefined ? { deadline: toTimestamp(Date.now() + flags.timeout * 1000) } : {}),
    priority: flags.priority ?? kindPart.priority ?? 0,
    labels: { ...kindPart.labels, ...parseLabels(flags.label) },
  };
}

/** The CLI's client: token and TLS from RECFLOW_TOKEN / RECFLOW_TLS_*. */
export function cliClient(address: string): RecflowClient {
  return new RecflowClient(address, clientSecurityFromEnv());
}

/**
 * An AbortSignal that fires on Ctrl-C while `fn` runs (the handler is removed after), so a watch
 * ends cleanly instead of the process dying mid-line.
 */
export async function untilSigint<T>(fn: (signal: AbortSignal) => Promise<T>): Promise<{ value?: T; interrupted: boolean }> {
  const ac = new AbortController();
  const onSigint = (): void => ac.abort();
  process.once("SIGINT", onSigint);
  try {
    return { value: await fn(ac.signal), interrupted: false };
  } catch (err) {
    if (ac.signal.aborted) return { interrupted: true };
    throw err;
  } finally {
    process.off("SIGINT", onSigint);
  }
}

export async function submit(spec: TaskSpec, flags: CommonSubmitFlags): Promise<number> {
  if ((flags.count ?? 1) > 1) return submitMany(spec, flags.count ?? 1, flags);
  const client = cliClient(flags.address);
  try {
    const task = await client.submit(spec, { requestId: flags.requestId ?? "", timeoutMs: 15_000 });
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
 * Streams a task's events until its terminal event; the client's watch reconnects (with
 * after_sequence) when the gateway goes away. Exit code: 0 succeeded, 1 failed or cancelled, 130
 * interrupted.
 */
export async function watchTask(client: RecflowClient, taskId: string, afterSequence: number, json: boolean, opts: { quiet?: boolean } = {}): Promise<number> {
  const printer = new EventPrinter({ tty: Boolean(process.stderr.isTTY), json });
  try {
    const { interrupted } = await untilSigint(async (signal) => {
      for await (const ev of client.watch(taskId, { afterSequence, signal })) printer.onEvent(ev);
    });
    if (interrupted) return 130;
  } finally {
    printer.stop();
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
  const client = cliClient(address);
  try {
    return await watchTask(client, taskId, after, json);
  } finally {
    client.close();
  }
}

export async function get(address: string, taskId: string): Promise<number> {
  const client = cliClient(address);
  try {
    printTask(await client.getTask(taskId, { timeoutMs: 10_000 }));
    return 0;
  } finally {
    client.close();
  }
}

export async function cancel(address: string, taskId: string, reason: string): Promise<number> {
  const client = cliClient(address);
  try {
    printTask(await client.cancel(taskId, reason, { timeoutMs: 10_000 }));
    return 0;
  } finally {
    client.close();
  }
}

export async function list(address: string, opts: { state?: string; kind?: string; pageSize?: number; pageToken?: string }): Promise<number> {
  const client = cliClient(address);
  try {
    // The gateway answers INVALID_ARGUMENT naming the field for a state or kind that does not exist.
    const res = await client.listTasks({
      state: (opts.state ? `TASK_STATE_${opts.state.toUpperCase()}` : "TASK_STATE_UNSPECIFIED") as TaskState,
      kind: (opts.kind ? `TASK_KIND_${opts.kind.toUpperCase()}` : "TASK_KIND_UNSPECIFIED") as TaskKind,
      pageSize: opts.pageSize ?? 0,
      pageToken: opts.pageToken ?? "",
    }, { timeoutMs: 30_000 });
    for (const t of res.tasks) {
      console.log(`${t.id}  ${stateName(t.status?.state).padEnd(10)} ${String(t.status?.kind).replace("TASK_KIND_", "").padEnd(14)} attempt=${t.status?.attempt ?? 0}`);
    }
    if (res.nextPageToken) console.error(`more: --page-token ${res.nextPageToken}`);
    return 0;
  } finally {
    client.close();
  }
}
