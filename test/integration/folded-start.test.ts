// A first attempt whose job ends (or produces a partial result) before RECFLOW_STARTED_DELAY_MS
// writes no Started event: its first event carries the start in its status and is the
// compare-and-set that claims the task (AttemptLog.foldStart). Here, against a real nats-server:
// the folded event's status is what Started + that event would have left; a folded claim fences
// a second delivery with the same attempt number exactly as a stored Started does; a fold that
// loses to a Cancelled obeys it. End to end: a short task is stored as Queued + Succeeded, a long
// one still writes Started after the delay, and a watcher sees a RUNNING start either way.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fromTimestamp, makeEvent, type StoredEvent } from "../../src/api/task-model.js";
import { compileConfig } from "../../src/config.js";
import { createLogger } from "../../src/log.js";
import { Broker, EventLog, ensureTopology } from "../../src/nats/index.js";
import { AttemptFencedError, AttemptLog, TaskFinishedElsewhereError } from "../../src/worker/attempt-log.js";
import { EventStream } from "../../src/worker/event-stream.js";
import type { TaskSpec } from "../../src/generated/recflow/v1/TaskSpec.js";
import { startNats, type TestNats } from "../helpers/nats.js";
import { Stack } from "../helpers/stack.js";

const TENANT = "fold";
const PROBE: TaskSpec = { probe: { workMs: 1 } };

describe("a start carried by the attempt's first event (AttemptLog)", () => {
  let nats: TestNats;
  let broker: Broker;
  let events: EventLog;
  const held = new AbortController().signal;
  const attemptLog = (taskId: string, attempt: number): AttemptLog =>
    new AttemptLog({ events, tenant: TENANT, taskId, attempt, kind: "TASK_KIND_PROBE", held, retryForMs: 5_000 });

  beforeAll(async () => {
    nats = await startNats();
    const log = createLogger({ level: "warn", name: "fold-test" });
    const config = compileConfig({}, {});
    broker = await Broker.connect({ servers: [nats.url], name: "fold-test", publishTimeoutMs: 5_000 }, log);
    await ensureTopology(broker.jsm, config, log);
    events = new EventLog(broker, config);
  }, 60_000);

  afterAll(async () => {
    await broker?.close();
    await nats?.stop();
  });

  async function queue(taskId: string): Promise<number> {
    return events.append(TENANT, taskId, makeEvent(taskId, null, { queued: { spec: PROBE, requestId: "" } }, "TASK_KIND_PROBE"), { expectedLastSeq: 0, msgId: `${taskId}:queued` });
  }

  /** A first attempt of a freshly queued task that read the log and began at `beganAt` (no Started written). */
  async function begun(taskId: string, beganAt = events.clock.now()): Promise<AttemptLog> {
    await queue(taskId);
    const a = attemptLog(taskId, 1);
    await a.refresh();
    a.checkOwnership();
    a.foldStart("w1", beganAt);
    return a;
  }

  async function readAll(taskId: string): Promise<StoredEvent[]> {
    const all: StoredEvent[] = [];
    for await (const ev of events.after(TENANT, taskId, 0, undefined, "leader")) all.push(ev);
    return all;
  }

  async function stored(taskId: string): Promise<string[]> {
    return (await readAll(taskId)).map((e) => e.event ?? "");
  }

  it("stores the outcome alone, its status the one Started would have led to", async () => {
    const taskId = "fold-outcome";
    const beganAt = events.clock.now() - 5;
    const a = await begun(taskId, beganAt);
    expect(a.claimed).toBe(false);
    await a.append({ succeeded: { result: { probe: { attempt: 1, workerId: "w1", workMs: 1 } } } });
    expect(a.claimed).toBe(true);
    expect(await stored(taskId)).toEqual(["queued", "succeeded"]);
    const last = await events.last(TENANT, taskId, "leader");
    const s = last!.status!;
    expect(s.state).toBe("TASK_STATE_SUCCEEDED");
    expect(s.attempt).toBe(1);
    expect(s.workerId).toBe("w1");
    expect(s.progress).toBe(1);
    expect(fromTimestamp(s.startTime)).toBe(beganAt);
    expect(fromTimestamp(s.endTime)).toBeGreaterThanOrEqual(beganAt);
  });

  it("carries the start on a first partial result, and only there", async () => {
    const taskId = "fold-partial";
    const a = await begun(taskId);
    await a.append({ partialResult: { chunkIndex: 0, recommendations: [], neighbours: [] } });
    // Claimed: a Started asked for later is not needed, and a second fold changes nothing.
    expect(a.claimed).toBe(true);
    a.foldStart("w1", events.clock.now() + 1_000);
    await a.append({ succeeded: { result: { probe: { attempt: 1, workerId: "w1", workMs: 1 } } } });
    const all = await readAll(taskId);
    expect(all.map((e) => e.event)).toEqual(["queued", "partialResult", "succeeded"]);
    expect(all[1].status?.state).toBe("TASK_STATE_RUNNING");
    expect(all[1].status?.attempt).toBe(1);
    expect(all[2].status?.startTime).toEqual(all[1].status?.startTime);
  });

  it("writes Started, dated when the job began, before progress or a failure", async () => {
    for (const [taskId, body] of [
      ["fold-progress", { progress: { fraction: 0.5, message: "half", metrics: {} } }],
      ["fold-failed", { failed: { error: { code: 13, message: "boom", reason: "BOOM", retryable: false } } }],
      ["fold-retrying", { retrying: { attempt: 1, error: { code: 13, message: "boom", reason: "BOOM", retryable: true }, nextAttemptTime: { seconds: 1, nanos: 0 } } }],
    ] as const) {
      const beganAt = events.clock.now() - 50;
      const a = await begun(taskId, beganAt);
      await a.append(body);
      const all = await readAll(taskId);
      expect(all.map((e) => e.event), taskId).toEqual(["queued", "started", Object.keys(body)[0]]);
      expect(all[1].started).toMatchObject({ attempt: 1, workerId: "w1" });
      expect(fromTimestamp(all[1].time), taskId).toBe(beganAt);
      expect(fromTimestamp(all[2].status?.startTime), taskId).toBe(beganAt);
      expect(all[2].status?.attempt, taskId).toBe(1);
    }
  });

  it("stores one Started when the delay's Started and the first progress's come together", async () => {
    const taskId = "fold-race";
    const a = await begun(taskId);
    const stream = new EventStream(a, 0, () => undefined, new AbortController(), createLogger({ level: "warn", name: "fold-race" }));
    stream.begin(() => Promise.resolve());
    // A milestone is appended at once (AttemptLog writes Started before it); the runner's delay
    // timer asks for Started at the same moment. Both go through the stream, one after the other.
    stream.push({ type: "progress", fraction: 0.5, message: "half", milestone: true });
    stream.then(async () => void (await a.append({ started: { attempt: 1, workerId: "w1" } })));
    await stream.flush();
    expect(stream.failure).toBeUndefined();
    expect(await stored(taskId)).toEqual(["queued", "started", "progress"]);
  });

  it("fences a second delivery with the same attempt number once a folded event claimed the task", async () => {
    const taskId = "fold-fence";
    await queue(taskId);
    const a = attemptLog(taskId, 1);
    const b = attemptLog(taskId, 1);
    await a.refresh();
    await b.refresh();
    a.checkOwnership();
    b.checkOwnership();
    a.foldStart("a", events.clock.now());
    b.foldStart("b", events.clock.now());
    await a.append({ partialResult: { chunkIndex: 0, recommendations: [], neighbours: [] } });
    // b read the log before a's claim; its own folded outcome conflicts, it re-reads and stops.
    await expect(b.append({ succeeded: { result: { probe: { attempt: 1, workerId: "b", workMs: 1 } } } })).rejects.toBeInstanceOf(AttemptFencedError);
    // A delivery with the same attempt number that reads the log after the claim stops at once.
    const c = attemptLog(taskId, 1);
    await c.refresh();
    expect(() => c.checkOwnership()).toThrow(AttemptFencedError);
    expect(await stored(taskId)).toEqual(["queued", "partialResult"]);
  });

  it("obeys a Cancelled stored before the folded outcome: one terminal event", async () => {
    const taskId = "fold-cancelled";
    const a = await begun(taskId);
    const queued = await events.last(TENANT, taskId, "leader");
    await events.append(TENANT, taskId, makeEvent(taskId, queued!.status, { cancelled: { reason: "by test" } }, "TASK_KIND_PROBE"), { expectedLastSeq: queued!.sequence, msgId: `${taskId}:cancel` });
    await expect(a.append({ succeeded: { result: { probe: { attempt: 1, workerId: "w1", workMs: 1 } } } })).rejects.toBeInstanceOf(TaskFinishedElsewhereError);
    expect(await stored(taskId)).toEqual(["queued", "cancelled"]);
  });
});

describe("Started written only for a job that runs past RECFLOW_STARTED_DELAY_MS (a real stack)", () => {
  let stack: Stack | undefined;
  afterAll(async () => {
    await stack?.close();
  });

  it("stores a short task as Queued + Succeeded, a long one with its Started, both with a start time", async () => {
    stack = await Stack.start({ workers: 1, env: { RECFLOW_STARTED_DELAY_MS: "200" } });
    const short = await stack.submit({ probe: { workMs: 0 } }, "fold-short");
    const long = await stack.submit({ probe: { workMs: 1_500 } }, "fold-long");
    const shortEvents = await stack.watch(short.id, 0, 30_000);
    const longEvents = await stack.watch(long.id, 0, 30_000);
    expect(shortEvents.map((e) => e.event)).toEqual(["queued", "succeeded"]);
    const done = shortEvents[1].status!;
    expect(done.attempt).toBe(1);
    // The worker that ran it, though it wrote no Started (the stack's worker is "w1").
    expect(done.workerId).toBe("w1");
    expect(fromTimestamp(done.startTime)).toBeGreaterThanOrEqual(fromTimestamp(shortEvents[0].status?.createTime)!);
    const kinds = longEvents.map((e) => e.event);
    expect(kinds[0]).toBe("queued");
    expect(kinds.filter((k) => k === "started")).toHaveLength(1);
    expect(kinds.at(-1)).toBe("succeeded");
    // Started is dated when the job began (its status's start_time), though written later.
    const started = longEvents.find((e) => e.event === "started")!;
    expect(fromTimestamp(started.time)).toBe(fromTimestamp(started.status?.startTime));
    expect(longEvents.at(-1)?.status?.startTime).toEqual(started.status?.startTime);
  }, 60_000);
});
