// The work-queue janitor (src/nats/queue-janitor.ts): task messages stored at or below the
// consumer's ack floor will never be delivered again (nats-server 2.9 leaves them after leader
// changes: acked ones it failed to remove, and ones its consumer passed over, seen in the nemesis
// run). Finished tasks' messages are removed; unfinished ones are published again and delivered.
// The server defect cannot be made on purpose, so a limits stream stands in for the work queue:
// it keeps acked messages, which puts them at or below the ack floor, as the defect does.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AckPolicy, headers as natsHeaders, RetentionPolicy, StorageType } from "nats";
import { taskMessageCodec } from "../../src/api/codec.js";
import { makeEvent } from "../../src/api/task-model.js";
import { compileConfig } from "../../src/config.js";
import { createLogger } from "../../src/log.js";
import { Broker, EventLog, ensureTopology } from "../../src/nats/index.js";
import { passedOverUpTo, sweepPassedOver } from "../../src/nats/queue-janitor.js";
import { startNats, type TestNats } from "../helpers/nats.js";

const STREAM = "JANITOR_TEST";
const CONSUMER = "workers";
const SUBJECTS = "janitor.>";
const TRACEPARENT = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";

describe("task messages the work-queue consumer passed over", () => {
  it("are the ones stored at or below the ack floor, with one consumer", () => {
    expect(passedOverUpTo({ firstSeq: 363, messages: 4, ackFloorStreamSeq: 2032, consumers: 1 })).toBe(2032);
    expect(passedOverUpTo({ firstSeq: 2033, messages: 4, ackFloorStreamSeq: 2032, consumers: 1 })).toBeUndefined();
    expect(passedOverUpTo({ firstSeq: 0, messages: 0, ackFloorStreamSeq: 2032, consumers: 1 })).toBeUndefined();
    // Another consumer's floor is not known here: leave the stream alone.
    expect(passedOverUpTo({ firstSeq: 363, messages: 4, ackFloorStreamSeq: 2032, consumers: 2 })).toBeUndefined();
  });

  describe("on a real server", () => {
    let nats: TestNats | undefined;
    let broker: Broker | undefined;
    const log = createLogger({ level: "error", name: "janitor-test" });
    beforeAll(async () => {
      nats = await startNats();
      broker = await Broker.connect({ servers: [nats.url], name: "janitor-test", publishTimeoutMs: 5_000 }, log);
      const config = compileConfig({ streamReplicas: 1 }, {});
      await ensureTopology(broker.jsm, config, log);
      await broker.jsm.streams.add({ name: STREAM, subjects: [SUBJECTS], retention: RetentionPolicy.Limits, storage: StorageType.File });
      await broker.jsm.consumers.add(STREAM, { durable_name: CONSUMER, ack_policy: AckPolicy.Explicit });
    });
    afterAll(async () => {
      await broker?.close();
      await nats?.stop();
    });

    it("removes a finished task's message and requeues an unfinished one's, trace headers kept", async () => {
      const b = broker!;
      const events = new EventLog(b, compileConfig({ streamReplicas: 1 }, {}));
      const spec = { probe: { workMs: 1 } };
      const ids = ["finished", "queued-only", "no-events"];
      for (const taskId of ids) {
        const h = natsHeaders();
        h.set("traceparent", TRACEPARENT);
        await b.js.publish(`janitor.acme.probe`, taskMessageCodec.encode({ tenant: "acme", taskId, spec }), { headers: h });
      }
      const queued = makeEvent("finished", null, { queued: { spec, requestId: "r" } }, "TASK_KIND_PROBE");
      const q = await events.append("acme", "finished", queued, { expectedLastSeq: 0, msgId: "finished:queued" });
      await events.append("acme", "finished", makeEvent("finished", null, { succeeded: { result: {} } }, "TASK_KIND_PROBE"), { expectedLastSeq: q, msgId: "finished:done" });
      await events.append("acme", "queued-only", makeEvent("queued-only", null, { queued: { spec, requestId: "r2" } }, "TASK_KIND_PROBE"), { expectedLastSeq: 0, msgId: "queued-only:queued" });

      // Delivered and acked: the consumer's floor passes all three; the limits stream keeps them.
      const consumer = await b.js.consumers.get(STREAM, CONSUMER);
      let acked = 0;
      for await (const m of await consumer.fetch({ max_messages: 3, expires: 2_000 })) {
        await m.ackAck();
        if (++acked === 3) break;
      }
      expect((await b.jsm.streams.info(STREAM)).state.messages).toBe(3);

      const deps = { broker: b, events, log, stream: STREAM, consumer: CONSUMER, subjects: SUBJECTS };
      expect(await sweepPassedOver(deps)).toEqual({ removed: 1, requeued: 2 });
      // The two requeued copies are all the stream holds, and the consumer delivers them.
      const info = await b.jsm.streams.info(STREAM);
      expect(info.state.messages).toBe(2);
      const redelivered: { taskId: string; traceparent: string | undefined }[] = [];
      for await (const m of await consumer.fetch({ max_messages: 2, expires: 2_000 })) {
        // Left unacked (running): the limits stream would keep an acked copy below the floor.
        redelivered.push({ taskId: taskMessageCodec.decode(m.data).taskId, traceparent: m.headers?.get("traceparent") });
        if (redelivered.length === 2) break;
      }
      expect(redelivered.sort((x, y) => x.taskId.localeCompare(y.taskId))).toEqual([
        { taskId: "no-events", traceparent: TRACEPARENT },
        { taskId: "queued-only", traceparent: TRACEPARENT },
      ]);
      // Messages the consumer has not passed (delivered and unacked, or not delivered) are never touched.
      await b.js.publish(`janitor.acme.probe`, taskMessageCodec.encode({ tenant: "acme", taskId: "waiting", spec }));
      await new Promise((r) => setTimeout(r, 200));
      expect(await sweepPassedOver(deps)).toEqual({ removed: 0, requeued: 0 });
      expect((await b.jsm.streams.info(STREAM)).state.messages).toBe(3);
    });
  });
});
