// The load-generating client of the benches, a process of its own so that its CPU use is not the
// gateway's: `node dist/bench/client.js '<json>'` runs one job and prints one JSON line.
//   tasks     submit `count` tasks with `concurrency` outstanding, each watched to its terminal event
//   tasks-watch-all  the same loops, but every task followed on ONE WatchTasks stream (label
//             selector): the shape of BullMQ's `add` + one QueueEvents
//   submit    `count` sequential SubmitTask calls
//   watchers  `perTask` concurrent WatchTask streams per task over `connections` channels
//   baseline  the bare JetStream pipeline's publisher (see baseline-worker.ts for the consumer)
//   shape     the durable-shape floor's client: recflow's per-task JetStream traffic alone (see
//             shape-worker.ts): Queued + work message per task, completions from one consumer
//   tasks-batch  `count` tasks in BatchSubmitTasks calls of `batchSize`, `batchesInFlight` at once,
//             all followed on one WatchTasks stream (label selector) to their terminal events
//   shape-grouped  the durable-shape floor in W1's batch shape with one Queued event, one work
//             message and one Succeeded per batch (a grouped storage design), each member's bytes inside
//   tasks-coalesced  tasks-watch-all's loops submitting through RecflowClient.submit with
//             coalesceSubmits on: the submits of one event-loop turn share a BatchSubmitTasks call
//   online    `count` sequential one-user Recommend tasks, each submitted and watched to its end
//   bullmq-*  the same shapes against BullMQ (bullmq-client.ts)
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import * as grpc from "@grpc/grpc-js";
import { AckPolicy, connect, DeliverPolicy, nanos, StringCodec } from "nats";
import { call, createTasksClient, type TasksServiceClient } from "../api/client.js";
import type { Task__Output } from "../generated/recflow/v1/Task.js";
import type { TaskEvent__Output } from "../generated/recflow/v1/TaskEvent.js";
import type { TaskSpec } from "../generated/recflow/v1/TaskSpec.js";
import type { BatchSubmitTasksResponse__Output } from "../generated/recflow/v1/BatchSubmitTasksResponse.js";
import { newTaskId } from "../api/task-id.js";
import { RecflowClient } from "../client/recflow-client.js";
import { Completions, pool, runBullmq, type BullmqJob } from "./bullmq-client.js";
import { JetStreamRequests } from "../nats/jetstream-requests.js";
import { EventKind, groupMembers, groupPayload, RawPull, SHAPE_EVENTS_PREFIX, SHAPE_EVENTS_STREAM, SHAPE_WORK_SUBJECT, shapePayload } from "./shape-pull.js";

export type ClientJob =
  | { mode: "tasks"; address: string; count: number; concurrency: number; spec: TaskSpec; connections?: number }
  | { mode: "submit"; address: string; count: number; spec: TaskSpec }
  | { mode: "watchers"; address: string; taskIds: string[]; perTask: number; connections: number }
  | { mode: "baseline"; natsUrl: string; count: number; concurrency: number; payloadBytes: number }
  | { mode: "shape"; natsUrl: string; count: number; concurrency: number; payloadBytes: number }
  | { mode: "shape-grouped"; natsUrl: string; count: number; batchSize: number; batchesInFlight: number; payloadBytes: number }
  | { mode: "tasks-watch-all"; address: string; count: number; concurrency: number; spec: TaskSpec; connections?: number }
  | { mode: "tasks-batch"; address: string; count: number; batchSize: number; batchesInFlight: number; spec: TaskSpec; connections?: number }
  | { mode: "tasks-coalesced"; address: string; count: number; concurrency: number; spec: TaskSpec; connections?: number }
  | { mode: "online"; address: string; count: number; warmup: number; modelId: string; userIds: string[]; k: number }
  | { mode: "online-sdk"; address: string; count: number; warmup: number; modelId: string; userIds: string[]; k: number }
  | BullmqJob;

const TERMINAL = new Set(["succeeded", "failed", "cancelled"]);

/** Runs a client job in a child process and returns its JSON result. */
export function runClient<T>(job: ClientJob): Promise<T> {
  const entry = fileURLToPath(new URL("./client.js", import.meta.url));
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [entry, JSON.stringify(job)], { stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (out += d));
    // "close", not "exit": exit can come before stdout's last chunks (a 20,000-latency result is
    // ~300 KB), which then looked like a client that printed nothing.
    child.once("close", (code) => {
      const last = out.trim().split("\n").at(-1) ?? "";
      if (code !== 0) return reject(new Error(`bench client (${job.mode}) exited with ${code}`));
      try {
        resolve(JSON.parse(last) as T);
      } catch {
        reject(new Error(`bench client (${job.mode}) printed no result`));
      }
    });
  });
}

/** `n` clients of the gateway on separate HTTP/2 connections (a distinct channel option each), connected before the clock starts. */
async function clients(address: string, n: number): Promise<TasksServiceClient[]> {
  const cs = Array.from({ length: n }, (_, i) => createTasksClient(address, { "recflow.bench.channel": i }));
  await Promise.all(cs.map((c) => new Promise<void>((resolve, reject) => c.waitForReady(Date.now() + 10_000, (err) => (err ? reject(err) : resolve())))));
  return cs;
}

function watchToEnd(client: TasksServiceClient, taskId: string): Promise<TaskEvent__Output[]> {
  return new Promise((resolve, reject) => {
    const events: TaskEvent__Output[] = [];
    const stream = client.WatchTask({ taskId, afterSequence: 0 });
    stream.on("data", (e: TaskEvent__Output) => events.push(e));
    stream.on("end", () => resolve(events));
    stream.on("error", reject);
  });
}

async function tasks(job: Extract<ClientJob, { mode: "tasks" }>): Promise<object> {
  const cs = await clients(job.address, job.connections ?? 4);
  const latencies: number[] = [];
  const terminalCounts: number[] = [];
  let failed = 0;
  const cpuAtStart = process.cpuUsage();
  const started = performance.now();
  await pool(job.count, job.concurrency, async (i) => {
    const c = cs[i % cs.length];
    const t0 = performance.now();
    const task = await call<object, Task__Output>(c.SubmitTask.bind(c), { task: job.spec }, { deadlineMs: 30_000 });
    const events = await watchToEnd(c, task.id);
    latencies.push(performance.now() - t0);
    const terminals = events.filter((e) => TERMINAL.has(e.event ?? ""));
    terminalCounts.push(terminals.length);
    if (terminals[0]?.event !== "succeeded") failed++;
  });
  const durationMs = performance.now() - started;
  const cpu = process.cpuUsage(cpuAtStart);
  cs.forEach((c) => c.close());
  return { durationMs, cpuSeconds: (cpu.user + cpu.system) / 1e6, latencies, failed, notExactlyOneTerminal: terminalCounts.filter((n) => n !== 1).length };
}

/**
 * One WatchTasks stream for every task of the run, by a label only this run's tasks carry. It
 * replays from sequence 0, so events of tasks stored before the gateway's tap was in place are
 * not missed.
 */
function watchAll(c: TasksServiceClient): { label: string; completions: Completions; terminals: Map<string, number>; failed(): number; close(): Promise<void> } {
  const label = `w1-${process.pid}-${Date.now()}`;
  const completions = new Completions();
  const terminals = new Map<string, number>();
  let failed = 0;
  const watch = c.WatchTasks({ labelSelector: `bench=${label}`, afterSequence: 0 });
  const watchEnded = new Promise<void>((resolve) => {
    watch.on("error", () => resolve()); // cancelled at the end of the run
    watch.on("end", () => resolve());
  });
  watch.on("data", (e: TaskEvent__Output) => {
    if (!TERMINAL.has(e.event ?? "")) return;
    const seen = (terminals.get(e.taskId) ?? 0) + 1;
    terminals.set(e.taskId, seen);
    if (e.event !== "succeeded") failed++;
    if (seen === 1) completions.done(e.taskId);
  });
  return {
    label, completions, terminals, failed: () => failed,
    close: async () => {
      watch.cancel();
      await watchEnded;
    },
  };
}

/**
 * The frame W1's one-stream shapes share: clients, one WatchTasks stream for the run's label, the
 * clock and CPU around `submit`, and the exactly-once count at the end. `submit` sends the tasks
 * (labelled by `spec`) and records each one's submit → terminal latency.
 */
async function overOneWatch(job: { address: string; connections?: number; count: number; spec: TaskSpec }, submit: (cs: TasksServiceClient[], spec: TaskSpec, completions: Completions, latencies: number[]) => Promise<void>): Promise<object> {
  const cs = await clients(job.address, job.connections ?? 4);
  const w = watchAll(cs[0]);
  const spec: TaskSpec = { ...job.spec, labels: { bench: w.label } };
  const latencies: number[] = [];
  const cpuAtStart = process.cpuUsage();
  const started = performance.now();
  await submit(cs, spec, w.completions, latencies);
  const durationMs = performance.now() - started;
  const cpu = process.cpuUsage(cpuAtStart);
  await w.close();
  cs.forEach((c) => c.close());
  return { durationMs, cpuSeconds: (cpu.user + cpu.system) / 1e6, latencies, failed: w.failed(), notExactlyOneTerminal: [...w.terminals.values()].filter((x) => x !== 1).length + (job.count - w.terminals.size) };
}

function tasksWatchAll(job: Extract<ClientJob, { mode: "tasks-watch-all" }>): Promise<object> {
  return overOneWatch(job, (cs, spec, completions, latencies) => pool(job.count, job.concurrency, async (i) => {
    const c = cs[i % cs.length];
    const t0 = performance.now();
    const task = await call<object, Task__Output>(c.SubmitTask.bind(c), { task: spec }, { deadlineMs: 30_000 });
    await completions.wait(task.id);
    latencies.push(performance.now() - t0);
  }));
}

function tasksBatch(job: Extract<ClientJob, { mode: "tasks-batch" }>): Promise<object> {
  const batches = Math.ceil(job.count / job.batchSize);
  return overOneWatch(job, (cs, spec, completions, latencies) => pool(batches, job.batchesInFlight, async (b) => {
    const c = cs[b % cs.length];
    const size = Math.min(job.batchSize, job.count - b * job.batchSize);
    const t0 = performance.now();
    const res = await call<object, BatchSubmitTasksResponse__Output>(c.BatchSubmitTasks.bind(c), { requests: Array.from({ length: size }, () => ({ task: spec })) }, { deadlineMs: 30_000 });
    await Promise.all(res.results.map(async (r) => {
      if (!r.task) throw new Error(`batch entry failed: ${r.error?.message ?? "no task"}`);
      await completions.wait(r.task.id);
      latencies.push(performance.now() - t0);
    }));
  }));
}

/** tasks-watch-all's loops, each submit through one RecflowClient that coalesces them. */
async function tasksCoalesced(job: Extract<ClientJob, { mode: "tasks-coalesced" }>): Promise<object> {
  const rf = new RecflowClient(job.address, { coalesceSubmits: true });
  try {
    // Connect before the clock starts, as clients() does for the others (the answer is beside the point).
    await rf.getTask(newTaskId()).catch(() => undefined);
    return await overOneWatch(job, (_cs, spec, completions, latencies) => pool(job.count, job.concurrency, async () => {
      const t0 = performance.now();
      const task = await rf.submit(spec, { timeoutMs: 30_000 });
      await completions.wait(task.id);
      latencies.push(performance.now() - t0);
    }));
  } finally {
    rf.close();
  }
}

/** A timestamp (the writer's clock, same machine) in Date.now() milliseconds. */
function timestampMs(t: { seconds: string | number; nanos: number } | null | undefined): number {
  return t ? Number(t.seconds) * 1000 + t.nanos / 1e6 : Number.NaN;
}

/** An event's time in Date.now() milliseconds. */
function eventMs(e: TaskEvent__Output | undefined): number {
  return timestampMs(e?.time);
}

async function online(job: Extract<ClientJob, { mode: "online" }>): Promise<object> {
  const [c] = await clients(job.address, 1);
  const latencies: number[] = [];
  // Where each call's time goes, from the events' own times (all processes share the clock):
  // the submit round trip; Queued → Started (the worker's pickup until a thread takes the job:
  // the status's start_time); Started → Succeeded (the job and its appends: one partial result,
  // Succeeded); Succeeded → here (its PubAck, the
  // gateway's feed and the stream to the client).
  const stages = { submit: [] as number[], queuedToStarted: [] as number[], startedToSucceeded: [] as number[], succeededToClient: [] as number[] };
  let failed = 0;
  for (let i = 0; i < job.warmup + job.count; i++) {
    const spec: TaskSpec = { recommend: { modelId: job.modelId, userIds: [job.userIds[i % job.userIds.length]], k: job.k } };
    const t0 = performance.now();
    const task = await call<object, Task__Output>(c.SubmitTask.bind(c), { task: spec }, { deadlineMs: 30_000 });
    const submitted = performance.now();
    const events = await watchToEnd(c, task.id);
    const took = performance.now() - t0;
    const endedAt = Date.now();
    if (events.at(-1)?.event !== "succeeded") failed++;
    // The warm-up loads the model into each worker's cache and warms both channels' code paths.
    if (i < job.warmup) continue;
    latencies.push(took);
    const at = (name: string): number => eventMs(events.find((e) => e.event === name));
    // A short job writes no Started: its first event's status carries the start.
    const startedAt = events.some((e) => e.event === "started") ? at("started") : timestampMs(events.at(-1)?.status?.startTime);
    stages.submit.push(submitted - t0);
    stages.queuedToStarted.push(startedAt - at("queued"));
    stages.startedToSucceeded.push(at("succeeded") - startedAt);
    stages.succeededToClient.push(endedAt - at("succeeded"));
  }
  c.close();
  return { latencies, failed, stages };
}

/**
 * W9 through the Node client an application would use: `RecflowClient.recommend`, every call's
 * events on the client's one shared WatchTasks stream (its run listener), no stream per call.
 */
async function onlineSdk(job: Extract<ClientJob, { mode: "online-sdk" }>): Promise<object> {
  const rf = new RecflowClient(job.address);
  const latencies: number[] = [];
  let failed = 0;
  for (let i = 0; i < job.warmup + job.count; i++) {
    const t0 = performance.now();
    try {
      const r = await rf.recommend({ modelId: job.modelId, userIds: [job.userIds[i % job.userIds.length]], k: job.k });
      if (r.users.length !== 1 || r.users[0].items.length === 0) failed++;
    } catch {
      failed++;
    }
    if (i >= job.warmup) latencies.push(performance.now() - t0);
  }
  rf.close();
  return { latencies, failed };
}

async function submit(job: Extract<ClientJob, { mode: "submit" }>): Promise<object> {
  const [c] = await clients(job.address, 1);
  // Warm the channel (connection, first-call setup) outside the measurement.
  for (let i = 0; i < 20; i++) await call<object, Task__Output>(c.SubmitTask.bind(c), { task: job.spec }, { deadlineMs: 10_000 });
  const latencies: number[] = [];
  for (let i = 0; i < job.count; i++) {
    const t0 = performance.now();
    await call<object, Task__Output>(c.SubmitTask.bind(c), { task: job.spec }, { deadlineMs: 10_000 });
    latencies.push(performance.now() - t0);
  }
  c.close();
  return { latencies };
}

async function watchers(job: Extract<ClientJob, { mode: "watchers" }>): Promise<object> {
  const cs = await clients(job.address, job.connections);
  let streams = 0;
  let failed = 0;
  let events = 0;
  const seen = new Map<string, string[]>(); // task id → each stream's sequence list
  const opened = job.taskIds.flatMap((id) => Array.from({ length: job.perTask }, () => {
    const c = cs[streams++ % cs.length];
    return watchToEnd(c, id).then((evs) => {
      events += evs.length;
      const list = seen.get(id) ?? [];
      list.push(evs.map((e) => `${String(e.sequence)}:${String(e.event)}`).join(" "));
      seen.set(id, list);
    }, (err: unknown) => {
      failed++;
      if (failed === 1) console.error(`first failed stream of ${id}: ${err instanceof Error ? err.message : String(err)}`);
    });
  }));
  await Promise.all(opened);
  // The reference: one replay per task after everything ended. Every live stream must equal it
  // (same events, same order: nothing lost or duplicated at the hand-over from history to live).
  let complete = 0;
  let broken = 0;
  for (const id of job.taskIds) {
    const reference = (await watchToEnd(cs[0], id)).map((e) => `${String(e.sequence)}:${String(e.event)}`).join(" ");
    const ends = /(succeeded|failed|cancelled)$/.test(reference);
    for (const got of seen.get(id) ?? []) {
      if (ends && got === reference) complete++;
      else {
        broken++;
        if (broken === 1) console.error(`stream of ${id} differs:\n  got       ${got}\n  reference ${reference}`);
      }
    }
  }
  cs.forEach((c) => c.close());
  return { streams, complete, broken: broken + failed, events };
}

async function baseline(job: Extract<ClientJob, { mode: "baseline" }>): Promise<object> {
  const nc = await connect({ servers: job.natsUrl });
  const js = nc.jetstream();
  const sc = StringCodec();
  const payload = new Uint8Array(job.payloadBytes);
  // Closed loop like the recflow run: each of `concurrency` loops publishes a task and waits for
  // the consumer's completion notice before the next.
  const waiting = new Map<string, () => void>();
  nc.subscribe("bench.done", { callback: (_err, m) => waiting.get(sc.decode(m.data))?.() });
  await nc.flush();
  const latencies: number[] = [];
  const started = performance.now();
  await pool(job.count, job.concurrency, async (i) => {
    const id = String(i);
    const t0 = performance.now();
    const done = new Promise<void>((resolve) => waiting.set(id, resolve));
    await js.publish("bench.tasks", payload, { msgID: id });
    await done;
    waiting.delete(id);
    latencies.push(performance.now() - t0);
  });
  const durationMs = performance.now() - started;
  await nc.close();
  return { durationMs, latencies };
}

/**
 * The durable-shape floors' client: `submit(js, completions, latencies)` stores the run's tasks
 * while one consumer follows every event; a log's Succeeded completes the id of its subject (a
 * group's, the ids `<group>.<i>` of its members). Every log must be exactly Queued, Succeeded.
 */
async function overShapeFeed(job: { natsUrl: string; count: number }, logs: number, submit: (js: JetStreamRequests, completions: Completions, latencies: number[]) => Promise<void>): Promise<object> {
  const nc = await connect({ servers: job.natsUrl });
  const js = new JetStreamRequests(nc, 30_000);
  const feed = await (await nc.jetstreamManager()).consumers.add(SHAPE_EVENTS_STREAM, {
    ack_policy: AckPolicy.None, deliver_policy: DeliverPolicy.All, mem_storage: true, inactive_threshold: nanos(60_000),
  });
  const completions = new Completions();
  const events = new Map<string, number>();
  new RawPull(nc, {
    stream: SHAPE_EVENTS_STREAM, consumer: feed.name, capacity: () => 1024, minBatch: 256, expiresMs: 5_000,
    onMessage: (m) => {
      const id = m.subject.slice(SHAPE_EVENTS_PREFIX.length);
      events.set(id, (events.get(id) ?? 0) + 1);
      if (m.data[0] !== EventKind.Succeeded) return;
      const members = groupMembers(m.data);
      if (members === 1) completions.done(id);
      else for (let i = 0; i < members; i++) completions.done(`${id}.${i}`);
    },
  }).refill();
  await nc.flush();
  const latencies: number[] = [];
  const cpuAtStart = process.cpuUsage();
  const started = performance.now();
  await submit(js, completions, latencies);
  const durationMs = performance.now() - started;
  const cpu = process.cpuUsage(cpuAtStart);
  const wrongEventCount = [...events.values()].filter((x) => x !== 2).length + (logs - events.size);
  js.close();
  await nc.close();
  return { durationMs, cpuSeconds: (cpu.user + cpu.system) / 1e6, latencies, wrongEventCount };
}

/** Stores one log's Queued event and its work message together (a task's, or a group's). */
function storeShape(js: JetStreamRequests, id: string, queued: Uint8Array, work: Uint8Array): Promise<unknown> {
  return Promise.all([
    js.publish(`${SHAPE_EVENTS_PREFIX}${id}`, queued, { msgId: `${id}:queued`, expectedLastSubjectSeq: 0 }),
    js.publish(SHAPE_WORK_SUBJECT, work, { msgId: id }),
  ]);
}

/**
 * The durable-shape floor's client. Each of `concurrency` loops sends a task's Queued event
 * (create-if-absent: expected last subject sequence 0) and its work message together, awaits
 * both PubAcks, then waits for the task's Succeeded on ONE ack-less pull consumer over every
 * event, as recflow's gateway feed follows the event stream.
 */
function shape(job: Extract<ClientJob, { mode: "shape" }>): Promise<object> {
  const queued = shapePayload(job.payloadBytes, EventKind.Queued);
  const work = shapePayload(job.payloadBytes, 0);
  return overShapeFeed(job, job.count, (js, completions, latencies) => pool(job.count, job.concurrency, async (i) => {
    const id = `s${i}`;
    const t0 = performance.now();
    await storeShape(js, id, queued, work);
    await completions.wait(id);
    latencies.push(performance.now() - t0);
  }));
}

/** W1's batch shape over grouped storage: per batch one Queued, one work message, one Succeeded, each member's bytes inside (groupPayload). */
function shapeGrouped(job: Extract<ClientJob, { mode: "shape-grouped" }>): Promise<object> {
  const batches = Math.ceil(job.count / job.batchSize);
  return overShapeFeed(job, batches, (js, completions, latencies) => pool(batches, job.batchesInFlight, async (b) => {
    const size = Math.min(job.batchSize, job.count - b * job.batchSize);
    const id = `g${b}`;
    const t0 = performance.now();
    await storeShape(js, id, groupPayload(job.payloadBytes, EventKind.Queued, size), groupPayload(job.payloadBytes, 0, size));
    await Promise.all(Array.from({ length: size }, async (_, i) => {
      await completions.wait(`${id}.${i}`);
      latencies.push(performance.now() - t0);
    }));
  }));
}

function run(job: ClientJob): Promise<object> {
  switch (job.mode) {
    case "tasks": return tasks(job);
    case "submit": return submit(job);
    case "watchers": return watchers(job);
    case "baseline": return baseline(job);
    case "shape": return shape(job);
    case "shape-grouped": return shapeGrouped(job);
    case "tasks-watch-all": return tasksWatchAll(job);
    case "tasks-batch": return tasksBatch(job);
    case "tasks-coalesced": return tasksCoalesced(job);
    case "online": return online(job);
    case "online-sdk": return onlineSdk(job);
    default: return runBullmq(job);
  }
}

async function main(): Promise<void> {
  const job = JSON.parse(process.argv[2] ?? "{}") as ClientJob;
  grpc.setLogVerbosity(grpc.logVerbosity.NONE);
  const result = await run(job);
  // Writes to a pipe are asynchronous: exit only once the (large) result is flushed.
  await new Promise<void>((resolve) => process.stdout.write(`${JSON.stringify(result)}\n`, () => resolve()));
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main().then(() => process.exit(0), (err: unknown) => {
    console.error(`bench client failed: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  });
}
