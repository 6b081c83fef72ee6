// The client host of the nemesis run: gRPC clients of every gateway that behave as a careful
// user's would. Submits retry UNAVAILABLE (and a deadline cut short by a dead link) on the next
// gateway with the same request_id; watches resume on the other gateway with after_sequence.
// Every status code seen is counted, by the phase of the run it happened in.
import { setTimeout as sleep } from "node:timers/promises";
import { status as Code, type ServiceError } from "@grpc/grpc-js";
import { call, createTasksClient, type TasksServiceClient } from "../../src/api/client.js";
import type { Task__Output } from "../../src/generated/recflow/v1/Task.js";
import type { TaskEvent__Output } from "../../src/generated/recflow/v1/TaskEvent.js";
import type { TaskSpec } from "../../src/generated/recflow/v1/TaskSpec.js";
import { collectWatch } from "../helpers/stack.js";

/** Codes a client retries (same request id, next gateway); anything else is a failed submit. */
const RETRYABLE = new Set<number>([Code.UNAVAILABLE, Code.DEADLINE_EXCEEDED]);

// A link that goes down leaves TCP silent, not closed: keepalive pings are how a client learns
// its gateway is gone (UNAVAILABLE after about keepalive_time + keepalive_timeout).
const CHANNEL_OPTIONS = {
  "grpc.keepalive_time_ms": 2_000,
  "grpc.keepalive_timeout_ms": 2_000,
  "grpc.keepalive_permit_without_calls": 1,
};

export class NemesisClients {
  readonly gateways: string[];
  readonly #clients: TasksServiceClient[];
  /** Phase name → status code name → count. */
  readonly codes = new Map<string, Map<string, number>>();
  /** request_id → every task id a SubmitTask with it answered. */
  readonly answers = new Map<string, Set<string>>();
  /** Phase name → milliseconds spent in it (see `phase`). */
  readonly phaseMs = new Map<string, number>();
  /** Phase name → the longest run of consecutive failed calls in it, in ms (first failure to the next success). */
  readonly longestOutageMs = new Map<string, number>();
  #phase = "steady";
  #phaseSince = Date.now();
  #failingSince: number | undefined;

  /** The part of the run that calls are counted under; setting it closes the previous one. */
  get phase(): string {
    return this.#phase;
  }

  set phase(name: string) {
    this.phaseMs.set(this.#phase, (this.phaseMs.get(this.#phase) ?? 0) + Date.now() - this.#phaseSince);
    this.#phase = name;
    this.#phaseSince = Date.now();
  }
  #next = 0;

  constructor(addresses: string[]) {
    this.gateways = addresses;
    this.#clients = addresses.map((a) => createTasksClient(a, CHANNEL_OPTIONS));
  }

  client(i: number): TasksServiceClient {
    return this.#clients[i % this.#clients.length];
  }

  count(code: number): void {
    // How long calls kept failing: from the first failure to the next success, anywhere.
    if (code !== (Code.OK as number)) this.#failingSince ??= Date.now();
    else if (this.#failingSince !== undefined) {
      const ms = Date.now() - this.#failingSince;
      this.longestOutageMs.set(this.phase, Math.max(this.longestOutageMs.get(this.phase) ?? 0, ms));
      this.#failingSince = undefined;
    }
    const name = Code[code] ?? `code ${code}`;
    const m = this.codes.get(this.phase) ?? new Map<string, number>();
    m.set(name, (m.get(name) ?? 0) + 1);
    this.codes.set(this.phase, m);
  }

  /** SubmitTask, retried on the other gateways with the same request id until `giveUpMs`. */
  async submit(task: TaskSpec, requestId: string, giveUpMs = 120_000): Promise<Task__Output> {
    const deadline = Date.now() + giveUpMs;
    for (let i = this.#next++; ; i++) {
      const client = this.client(i);
      try {
        const t = await submitOnce(client, task, requestId);
        this.count(Code.OK);
        const seen = this.answers.get(requestId) ?? new Set<string>();
        seen.add(t.id);
        this.answers.set(requestId, seen);
        return t;
      } catch (err) {
        const code = (err as ServiceError).code;
        this.count(code);
        if (!RETRYABLE.has(code) || Date.now() > deadline) throw err;
        await sleep(200);
      }
    }
  }

  /** GetTask through the second gateway. */
  get(taskId: string): Promise<Task__Output> {
    const client = this.client(1);
    return call(client.GetTask.bind(client), { taskId }, { deadlineMs: 8_000 });
  }

  /**
   * Watches a task to its end starting on gateway `first`; when the stream breaks, resumes on the
   * next gateway after the last sequence it saw. Returns the events and how often it resumed.
   */
  async watchResuming(taskId: string, first: number, giveUpMs = 120_000): Promise<{ events: TaskEvent__Output[]; resumes: number }> {
    const events: TaskEvent__Output[] = [];
    const deadline = Date.now() + giveUpMs;
    for (let i = first, resumes = 0; ; i++, resumes++) {
      const after = events.at(-1)?.sequence ?? 0;
      try {
        events.push(...(await collectWatch(this.client(i), taskId, after, Math.max(1_000, deadline - Date.now()))));
        return { events, resumes };
      } catch (err) {
        const e = err as ServiceError & { events: TaskEvent__Output[] };
        events.push(...e.events);
        this.count(e.code);
        if (Date.now() > deadline) throw err;
        await sleep(200);
      }
    }
  }

  close(): void {
    for (const c of this.#clients) c.close();
  }
}

function submitOnce(client: TasksServiceClient, task: TaskSpec, requestId: string): Promise<Task__Output> {
  return call(client.SubmitTask.bind(client), { requestId, task }, { deadlineMs: 8_000 });
}

/** The events a task has so far (a short watch cut off by its deadline), from the first gateway. */
export async function eventsSoFar(clients: NemesisClients, taskId: string): Promise<TaskEvent__Output[]> {
  try {
    return await collectWatch(clients.client(0), taskId, 0, 300);
  } catch (err) {
    return (err as { events?: TaskEvent__Output[] }).events ?? [];
  }
}

/** Milliseconds since the epoch of an event's time. */
export function eventMs(ev: TaskEvent__Output): number {
  return Number(ev.time?.seconds ?? 0) * 1000 + Math.floor((ev.time?.nanos ?? 0) / 1e6);
}
