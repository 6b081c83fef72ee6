// The task event log's compare-and-set on a 3-node cluster with R3 streams (loopback). nats-server
// 2.9.10 checks Nats-Expected-Last-Subject-Sequence on the leader before proposing, against the
// events it has applied so far, so appends in flight together with the same expected sequence
// could all be stored (the nemesis run saw a stale attempt write after a newer one started).
// EventLog also puts each append in a slot (Nats-Msg-Id "<task>:after:<seq>"), which the replicas
// de-duplicate in log order. Here: many writers on every node race for one slot, again and again,
// and exactly one wins each time; a retry of a stored append gets its own event back; a
// delivery that reuses an attempt number is fenced; decisions read from the stream leader.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeEvent, type Status } from "../../src/api/task-model.js";
import { compileConfig } from "../../src/config.js";
import { createLogger } from "../../src/log.js";
import { AppendConflictError, Broker, EventLog, ensureTopology } from "../../src/nats/index.js";
import { EVENTS_STREAM, eventSubject } from "../../src/nats/subjects.js";
import { AttemptFencedError, AttemptLog } from "../../src/worker/attempt-log.js";
import type { TaskSpec } from "../../src/generated/recflow/v1/TaskSpec.js";
import { startCluster, type TestCluster } from "../helpers/cluster.js";

const TENANT = "cas";
const WRITERS_PER_NODE = 3;
const ROUNDS = 40;
const PROBE: TaskSpec = { probe: { workMs: 1 } };

describe("event log compare-and-set on a replicated stream", () => {
  let cluster: TestCluster | undefined;
  const brokers: Broker[] = [];
  let logs: EventLog[] = [];
  const log = createLogger({ level: "warn", name: "cas-test" });
  const config = compileConfig({ streamReplicas: 3 }, {});

  beforeAll(async () => {
    cluster = await startCluster(3);
    // One connection per node and writer, so appends reach the leader over different routes.
    for (const node of cluster.nodes) {
      for (let i = 0; i < WRITERS_PER_NODE; i++) {
        brokers.push(await Broker.connect({ servers: [node.server.url], name: `cas-${node.name}-${i}`, publishTimeoutMs: 10_000 }, log));
      }
    }
    await ensureTopology(brokers[0].jsm, config, log);
    logs = brokers.map((b) => new EventLog(b, config));
  }, 120_000);

  afterAll(async () => {
    await Promise.all(brokers.map((b) => b.close().catch(() => undefined)));
    await cluster?.stop();
  });

  /** Events stored on the task's subject, as the leader counts them. */
  async function storedCount(taskId: string): Promise<number> {
    const info = await brokers[0].jsm.streams.info(EVENTS_STREAM, { subjects_filter: eventSubject(TENANT, taskId) });
    return info.state.subjects?.[eventSubject(TENANT, taskId)] ?? 0;
  }

  it("stores exactly one of many appends racing after the same event, round after round", async () => {
    const winners: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const taskId = `race-${round}`;
      const queued = await logs[0].append(TENANT, taskId, makeEvent(taskId, null, { queued: { spec: PROBE, requestId: taskId } }, "TASK_KIND_PROBE"), { expectedLastSeq: 0, msgId: `${taskId}:queued` });
      const started = makeEvent(taskId, null, { queued: { spec: PROBE, requestId: taskId } }, "TASK_KIND_PROBE").status as Status;
      const results = await Promise.allSettled(logs.map((l, w) => l.append(TENANT, taskId,
        makeEvent(taskId, started, { started: { attempt: w + 1, workerId: `w${w}` } }, "TASK_KIND_PROBE"),
        { expectedLastSeq: queued, msgId: `${taskId}:${w + 1}:0` })));
      const won = results.filter((r) => r.status === "fulfilled");
      const lost = results.filter((r): r is PromiseRejectedResult => r.status === "rejected");
      for (const r of lost) expect(r.reason).toBeInstanceOf(AppendConflictError);
      winners.push(won.length);
      expect(await storedCount(taskId)).toBe(2);
    }
    expect(winners).toEqual(Array.from({ length: ROUNDS }, () => 1));
    // Every replica refused the same appends: each node's own copy (a direct get answered by the
    // node a connection is on) has the same last event, at the same sequence, for every task.
    await new Promise((r) => setTimeout(r, 1_000));
    for (let round = 0; round < ROUNDS; round++) {
      const subject = eventSubject(TENANT, `race-${round}`);
      const seqs = await Promise.all(cluster!.nodes.map((_, n) => brokers[n * WRITERS_PER_NODE].requests.directGet(EVENTS_STREAM, { last_by_subj: subject }).then((m) => m.seq)));
      expect(new Set(seqs).size).toBe(1);
    }
  }, 240_000);

  it("answers a retried append whose first try was stored with that event, and another writer's with a conflict", async () => {
    const taskId = "retry";
    const queued = await logs[0].append(TENANT, taskId, makeEvent(taskId, null, { queued: { spec: PROBE, requestId: taskId } }, "TASK_KIND_PROBE"), { expectedLastSeq: 0, msgId: `${taskId}:queued` });
    // The gateway's and a worker's Queued claim the same logical event: the stored one stands for both.
    const prev = makeEvent(taskId, null, { queued: { spec: PROBE, requestId: taskId } }, "TASK_KIND_PROBE").status as Status;
    await expect(logs[4].append(TENANT, taskId, makeEvent(taskId, null, { queued: { spec: PROBE, requestId: taskId } }, "TASK_KIND_PROBE"), { expectedLastSeq: 0, msgId: `${taskId}:queued` })).resolves.toBe(queued);
    const ev = makeEvent(taskId, prev, { started: { attempt: 1, workerId: "w1" } }, "TASK_KIND_PROBE");
    const seq = await logs[1].append(TENANT, taskId, ev, { expectedLastSeq: queued, msgId: `${taskId}:1:0` });
    // Same event, same place (its PubAck was lost): the same sequence, from any connection.
    await expect(logs[1].append(TENANT, taskId, ev, { expectedLastSeq: queued, msgId: `${taskId}:1:0` })).resolves.toBe(seq);
    await expect(logs[7].append(TENANT, taskId, ev, { expectedLastSeq: queued, msgId: `${taskId}:1:0` })).resolves.toBe(seq);
    // Another writer after the same event: a conflict, nothing stored.
    await expect(logs[2].append(TENANT, taskId, makeEvent(taskId, prev, { started: { attempt: 2, workerId: "w2" } }, "TASK_KIND_PROBE"), { expectedLastSeq: queued, msgId: `${taskId}:2:0` }))
      .rejects.toBeInstanceOf(AppendConflictError);
    expect(await storedCount(taskId)).toBe(2);
  }, 60_000);

  it("fences a second delivery that carries the attempt number of one that already started", async () => {
    const taskId = "same-attempt";
    await logs[0].append(TENANT, taskId, makeEvent(taskId, null, { queued: { spec: PROBE, requestId: taskId } }, "TASK_KIND_PROBE"), { expectedLastSeq: 0, msgId: `${taskId}:queued` });
    const held = new AbortController().signal;
    const attempt = (events: EventLog): AttemptLog => new AttemptLog({ events, tenant: TENANT, taskId, attempt: 2, kind: "TASK_KIND_PROBE", held, retryForMs: 10_000 });
    const a = attempt(logs[1]);
    const b = attempt(logs[5]);
    await a.refresh();
    await b.refresh();
    a.checkOwnership();
    b.checkOwnership();
    await a.append({ started: { attempt: 2, workerId: "a" } });
    // b read the log before a's Started; its own Started conflicts, it re-reads and stops.
    await expect(b.append({ started: { attempt: 2, workerId: "b" } })).rejects.toBeInstanceOf(AttemptFencedError);
    // a owns the task and goes on.
    await a.append({ progress: { fraction: 0.5, message: "half", metrics: {} } });
    await a.refresh();
    a.checkOwnership();
    expect(await storedCount(taskId)).toBe(3);
  }, 60_000);

  it("reads the latest event from the stream leader on any node, and nothing for an unknown task", async () => {
    const taskId = "leader-read";
    let prev: Status | null = null;
    let seq = 0;
    for (let i = 0; i < 20; i++) {
      const ev = makeEvent(taskId, prev, i === 0 ? { queued: { spec: PROBE, requestId: taskId } } : { progress: { fraction: i / 20, message: `${i}`, metrics: {} } }, "TASK_KIND_PROBE");
      seq = await logs[i % logs.length].append(TENANT, taskId, ev, { expectedLastSeq: seq, msgId: `${taskId}:${i}` });
      prev = ev.status as Status;
      // Right after the PubAck, from a connection to any node: the leader has applied it.
      for (const l of [logs[0], logs[4], logs[8]]) expect((await l.last(TENANT, taskId, "leader"))?.sequence).toBe(seq);
    }
    await expect(logs[3].last(TENANT, "no-such-task", "leader")).resolves.toBeNull();
  }, 60_000);
});
