// Real recflow processes for tests: gateway and workers are spawned from dist/ (built by the test
// command) exactly as in production, talk to a per-suite nats-server, and can be SIGKILLed.
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import * as grpc from "@grpc/grpc-js";
import { status as Code, type ServiceError } from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import { protoPath as healthProtoPath } from "grpc-health-check";
import { connect, consumerOpts, type NatsConnection, type JetStreamManager } from "nats";
import { deadLetterCodec } from "../../src/api/codec.js";
import type { DeadLetter__Output } from "../../src/generated/recflow/v1/DeadLetter.js";
import { createTasksClient, type TasksServiceClient } from "../../src/api/client.js";
import type { TaskEvent__Output } from "../../src/generated/recflow/v1/TaskEvent.js";
import type { Task__Output } from "../../src/generated/recflow/v1/Task.js";
import type { TaskSpec } from "../../src/generated/recflow/v1/TaskSpec.js";
import { startNats, type TestNats } from "./nats.js";
import { RecflowClient } from "../../src/client/index.js";
import { spawnRecflow as spawnProc, stopProc, type Proc } from "../../src/cli/processes.js";

// Tests run the built processes (the source's processes.ts would point at src/cli/main.js).
const CLI = fileURLToPath(new URL("../../dist/cli/main.js", import.meta.url));

export { stopProc, type Proc };

const execFileAsync = promisify(execFile);

/**
 * Runs the built CLI (`recflow <args>`) as a user's shell would, with `env` over this process's
 * environment; its exit code and output, whether it succeeded or not.
 */
export async function runCli(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await execFileAsync(process.execPath, [CLI, ...args], { env: { ...process.env, ...env }, timeout: 30_000 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/** Fast settings so fault tests finish in seconds: short ack_wait and back-off. */
export const FAST_ENV: Record<string, string> = {
  RECFLOW_ACK_WAIT_MS: "2000",
  RECFLOW_RETRY_BASE_MS: "50",
  RECFLOW_RETRY_MAX_MS: "200",
  RECFLOW_PROGRESS_INTERVAL_MS: "50",
  RECFLOW_SHUTDOWN_GRACE_MS: "10000",
  RECFLOW_LOG_LEVEL: "info",
  RECFLOW_ALLOW_FAULT_INJECTION: "1",
};

/** A recflow process from dist/ with the test's environment on top of ours; stderr captured. */
export function spawnRecflow(name: string, args: string[], env: Record<string, string>): Promise<Proc> {
  return spawnProc(name, args, { env: { ...process.env, ...env }, entry: CLI });
}

export interface StackOptions {
  workers?: number;
  threads?: number;
  env?: Record<string, string>;
  nats?: TestNats;
}

export class Stack implements AsyncDisposable {
  readonly nats: TestNats;
  readonly env: Record<string, string>;
  gateway!: Proc;
  readonly workers: Proc[] = [];
  /** The raw grpc-js client, for tests that assert what the wire does (a stream's own error). */
  client!: TasksServiceClient;
  /** The typed client everything else goes through. */
  rf!: RecflowClient;
  nc!: NatsConnection;
  jsm!: JetStreamManager;
  #ownsNats: boolean;

  private constructor(nats: TestNats, env: Record<string, string>, ownsNats: boolean) {
    this.nats = nats;
    this.env = env;
    this.#ownsNats = ownsNats;
  }

  static async start(opts: StackOptions = {}): Promise<Stack> {
    const nats = opts.nats ?? (await startNats());
    const env = { ...FAST_ENV, NATS_URL: nats.url, RECFLOW_THREADS: String(opts.threads ?? 1), ...opts.env };
    const stack = new Stack(nats, env, !opts.nats);
    try {
      stack.gateway = await spawnRecflow("gateway", ["gateway"], { ...env, RECFLOW_GRPC_ADDRESS: "127.0.0.1:0" });
      stack.client = createTasksClient(stack.address);
      stack.rf = new RecflowClient(stack.address);
      for (let i = 0; i < (opts.workers ?? 1); i++) await stack.addWorker();
      stack.nc = await connect({ servers: nats.url, maxReconnectAttempts: -1, reconnectTimeWait: 200 });
      stack.jsm = await stack.nc.jetstreamManager();
    } catch (err) {
      await stack.close();
      throw err;
    }
    return stack;
  }

  get address(): string {
    return `127.0.0.1:${Number(this.gateway.ready.port)}`;
  }

  async addWorker(env: Record<string, string> = {}): Promise<Proc> {
    const id = `w${this.workers.length + 1}`;
    const w = await spawnRecflow(`worker-${id}`, ["worker"], { ...this.env, RECFLOW_WORKER_ID: id, ...env });
    this.workers.push(w);
    return w;
  }

  submit(task: TaskSpec, requestId = ""): Promise<Task__Output> {
    return this.rf.submit(task, { requestId, timeoutMs: 10_000 });
  }

  get(taskId: string): Promise<Task__Output> {
    return this.rf.getTask(taskId, { timeoutMs: 10_000 });
  }

  cancel(taskId: string, reason = ""): Promise<Task__Output> {
    return this.rf.cancel(taskId, reason, { timeoutMs: 10_000 });
  }

  /**
   * All events of a task until its terminal event, through the client's (resuming) watch; after
   * `timeoutMs` it rejects with DEADLINE_EXCEEDED and the events so far in `events`.
   */
  async watch(taskId: string, afterSequence = 0, timeoutMs = 30_000): Promise<TaskEvent__Output[]> {
    const events: TaskEvent__Output[] = [];
    const signal = AbortSignal.timeout(timeoutMs);
    try {
      for await (const ev of this.rf.watch(taskId, { afterSequence, signal })) events.push(ev);
      return events;
    } catch (err) {
      if (signal.aborted) throw Object.assign(new Error(`watch of ${taskId} still open after ${timeoutMs} ms`), { code: Code.DEADLINE_EXCEEDED, events });
      throw Object.assign(err as Error, { events });
    }
  }

  /** The events a task has so far, without waiting for its end (a watch cut short). */
  async eventsSoFar(taskId: string, windowMs = 500): Promise<TaskEvent__Output[]> {
    try {
      return await this.watch(taskId, 0, windowMs);
    } catch (err) {
      const { code, events } = err as ServiceError & { events: TaskEvent__Output[] };
      if (code !== Code.DEADLINE_EXCEEDED) throw err;
      return events;
    }
  }

  /** Number of messages stored in a stream. */
  async streamMessages(stream: string): Promise<number> {
    return (await this.jsm.streams.info(stream)).state.messages;
  }

  async close(): Promise<void> {
    this.client?.close();
    this.rf?.close();
    await Promise.all(this.workers.map((w) => stopProc(w, "SIGKILL")));
    if (this.gateway) await stopProc(this.gateway, "SIGKILL");
    await this.nc?.close().catch(() => undefined);
    if (this.#ownsNats) await this.nats.stop();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

/**
 * The raw WatchTask stream's events (no resume): for tests that assert the stream's own status
 * (NOT_FOUND, UNAUTHENTICATED, RESOURCE_EXHAUSTED) or use a client the stack does not own.
 */
export function collectWatch(client: TasksServiceClient, taskId: string, afterSequence = 0, timeoutMs = 30_000): Promise<TaskEvent__Output[]> {
  return new Promise((resolve, reject) => {
    const events: TaskEvent__Output[] = [];
    const stream = client.WatchTask({ taskId, afterSequence }, { deadline: Date.now() + timeoutMs });
    stream.on("data", (ev: TaskEvent__Output) => events.push(ev));
    stream.on("end", () => resolve(events));
    stream.on("error", (err: ServiceError) => reject(Object.assign(err, { events })));
  });
}

/** Resolves when `fn` returns a truthy value; polls with a deadline where there is no event. */
export async function waitFor<T>(fn: () => Promise<T | undefined | null | false> | T | undefined | null | false, timeoutMs = 20_000, what = "condition"): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The gRPC status code of a rejected call. */
export async function codeOf(p: Promise<unknown>): Promise<number> {
  try {
    await p;
  } catch (err) {
    return (err as ServiceError).code;
  }
  return Code.OK;
}

export function terminalEvents(events: TaskEvent__Output[]): TaskEvent__Output[] {
  return events.filter((e) => e.event === "succeeded" || e.event === "failed" || e.event === "cancelled");
}

/**
 * Restarts workers that die, like a Kubernetes Deployment would: every exited worker of the stack
 * is replaced by a fresh one. Returns a stop function (call it before closing the stack).
 */
export function superviseWorkers(stack: Stack, env: Record<string, string> = {}): { restarts: () => number; stop: () => void } {
  let stopped = false;
  let restarts = 0;
  const watch = (w: Proc): void => {
    void w.exited.then(async () => {
      if (stopped) return;
      restarts++;
      const next = await stack.addWorker(env).catch(() => undefined);
      if (next) watch(next);
    });
  };
  stack.workers.forEach(watch);
  return { restarts: () => restarts, stop: () => void (stopped = true) };
}

/**
 * The attempts that ran, in order: each Started event's attempt, and an attempt whose start was
 * carried by its first event instead (a short job that succeeded: no Started of its own).
 */
export function startedAttempts(events: TaskEvent__Output[]): number[] {
  const attempts: number[] = [];
  for (const e of events) {
    const attempt = e.event === "started" ? e.started?.attempt ?? 0 : e.event === "queued" ? 0 : e.status?.attempt ?? 0;
    if (attempt > 0 && !attempts.includes(attempt)) attempts.push(attempt);
  }
  return attempts;
}

/** Which worker (by its RECFLOW_WORKER_ID) started the given attempt, from the watch events. */
export function startedBy(events: TaskEvent__Output[]): string[] {
  return events.filter((e) => e.event === "started").map((e) => e.started?.workerId ?? "");
}

export type HealthClient = grpc.Client & {
  Check(req: { service: string }, opts: grpc.CallOptions, cb: (err: grpc.ServiceError | null, res?: { status: string }) => void): void;
};

/** A grpc.health.v1 client for the gateway at `address`. */
export function healthClient(address: string): HealthClient {
  const def = protoLoader.loadSync(healthProtoPath, { enums: String });
  const pkg = grpc.loadPackageDefinition(def) as unknown as { grpc: { health: { v1: { Health: new (addr: string, creds: grpc.ChannelCredentials) => HealthClient } } } };
  return new pkg.grpc.health.v1.Health(address, grpc.credentials.createInsecure());
}

/** The serving status of `service` ("" = the whole server), or "error <code>" when the call fails. */
export function servingStatus(health: HealthClient, service = ""): Promise<string> {
  return new Promise((resolve) => {
    health.Check({ service }, { deadline: Date.now() + 2_000 }, (err, res) => resolve(err ? `error ${err.code}` : String(res?.status)));
  });
}

/** Every dead letter in RECFLOW_DLQ, read with an ordered consumer. */
export async function deadLetters(stack: Stack): Promise<DeadLetter__Output[]> {
  const n = await stack.streamMessages("RECFLOW_DLQ");
  if (n === 0) return [];
  const out: DeadLetter__Output[] = [];
  const js = stack.nc.jetstream();
  const opts = consumerOpts().orderedConsumer().deliverAll();
  const sub = await js.subscribe("recflow.dlq.>", opts);
  for await (const m of sub) {
    out.push(deadLetterCodec.decode(m.data));
    if (m.info.pending === 0) break;
  }
  sub.unsubscribe();
  return out;
}
