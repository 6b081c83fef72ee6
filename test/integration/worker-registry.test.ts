// The workers bucket on a real nats-server: registrations are listed with their slots and load,
// a clean stop removes its record at once, and a worker that goes silent (its connection gone,
// as after SIGKILL) drops out by the bucket's TTL. Short heartbeats keep the test quick.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "../../src/log.js";
import { Broker } from "../../src/nats/index.js";
import { WorkerDirectory, WorkerRegistration, workerKey, type WorkerLoad } from "../../src/nats/worker-registry.js";
import { startNats, type TestNats } from "../helpers/nats.js";
import { waitFor } from "../helpers/stack.js";

const HEARTBEAT_MS = 1_000;

describe("worker registry", () => {
  let nats: TestNats;
  const brokers: Broker[] = [];
  const log = createLogger({ level: "silent", name: "worker-registry-test" });
  const connect = async (name: string): Promise<Broker> => {
    const b = await Broker.connect({ servers: [nats.url], name, publishTimeoutMs: 5_000 }, log);
    brokers.push(b);
    return b;
  };

  beforeAll(async () => {
    nats = await startNats();
  });
  afterAll(async () => {
    await Promise.all(brokers.map((b) => b.close().catch(() => undefined)));
    await nats?.stop();
  });

  it("lists live workers with their slots and load, and forgets stopped and silent ones", async () => {
    const directory = await WorkerDirectory.open(await connect("ui"), { replicas: 1, heartbeatMs: HEARTBEAT_MS });
    const loadA: WorkerLoad = { slotsBusy: 0, tasksRunning: 0 };
    const a = await WorkerRegistration.start(await connect("a"), { workerId: "alpha", slotsTotal: 3, load: () => loadA, log, replicas: 1, heartbeatMs: HEARTBEAT_MS });
    const silentBroker = await connect("b");
    const b = await WorkerRegistration.start(silentBroker, { workerId: "beta host/1", slotsTotal: 1, load: () => ({ slotsBusy: 1, tasksRunning: 2 }), log, replicas: 1, heartbeatMs: HEARTBEAT_MS });

    // Listed from the first put, before any heartbeat.
    const first = await directory.list();
    expect(first.map((w) => [w.workerId, w.slotsTotal, w.slotsBusy, w.tasksRunning])).toEqual([["alpha", 3, 0, 0], ["beta host/1", 1, 1, 2]]);
    expect(first[0]).toMatchObject({ pid: process.pid, draining: false });
    expect(first[0].version).toMatch(/^\d+\.\d+\.\d+/);
    expect(Date.parse(first[0].startedAt)).not.toBeNaN();
    // An id that is no KV key is encoded in the key, and kept as it was in the record.
    expect(workerKey("beta host/1")).not.toContain(" ");

    // The load is read at every heartbeat.
    loadA.slotsBusy = 2;
    loadA.tasksRunning = 2;
    await waitFor(async () => (await directory.list()).find((w) => w.workerId === "alpha")?.slotsBusy === 2, 10_000, "alpha's new load to be listed");

    // Records outlive missed beats only by the TTL: the heartbeats keep them there meanwhile.
    await new Promise((r) => setTimeout(r, 5 * HEARTBEAT_MS));
    expect((await directory.list()).map((w) => w.workerId)).toEqual(["alpha", "beta host/1"]);

    // beta goes silent (no delete, as after SIGKILL): gone after three heartbeats, not before one.
    await silentBroker.close();
    const silentAt = Date.now();
    await waitFor(async () => (await directory.list()).every((w) => w.workerId !== "beta host/1"), 10_000, "the silent worker to expire");
    expect(Date.now() - silentAt).toBeGreaterThan(HEARTBEAT_MS);
    await b.stop(); // its delete fails on the closed connection and is only logged

    // A draining worker says so; a clean stop deletes its record at once.
    await a.markDraining();
    expect((await directory.list()).map((w) => [w.workerId, w.draining])).toEqual([["alpha", true]]);
    await a.stop();
    expect(await directory.list()).toEqual([]);
  });

  it("lists a worker whose first heartbeat found the broker unresponsive once the broker answers", async () => {
    const directory = await WorkerDirectory.open(await connect("ui-2"), { replicas: 1, heartbeatMs: HEARTBEAT_MS });
    const broker = await Broker.connect({ servers: [nats.url], name: "late", publishTimeoutMs: 1_000 }, log);
    brokers.push(broker);
    const pid = nats.server.pid ?? 0;
    process.kill(pid, "SIGSTOP");
    let late: WorkerRegistration;
    try {
      // The first put times out: start() still returns, and the worker keeps trying.
      late = await WorkerRegistration.start(broker, { workerId: "late", slotsTotal: 2, load: () => ({ slotsBusy: 0, tasksRunning: 0 }), log, replicas: 1, heartbeatMs: HEARTBEAT_MS });
    } finally {
      process.kill(pid, "SIGCONT");
    }
    await waitFor(async () => (await directory.list()).some((w) => w.workerId === "late"), 15_000, "the late worker to be listed");
    await late.stop();
    expect(await directory.list()).toEqual([]);
  });
});
