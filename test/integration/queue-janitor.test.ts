// The work-queue janitor (src/nats/queue-janitor.ts) removes messages a replicated work queue kept
// after they were acked (a nats-server 2.9 defect after leader changes, seen by the nemesis run),
// and nothing else: every message at or below the consumer's ack floor was acked, anything above
// may still be running. Stranded messages cannot be made on purpose, so the rule is tested on its
// own, and against a real server for what must never happen: removing an unacked message.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compileConfig } from "../../src/config.js";
import { createLogger } from "../../src/log.js";
import { Broker, ensureTopology } from "../../src/nats/index.js";
import { purgeStrandedTasks, strandedPurgeSeq } from "../../src/nats/queue-janitor.js";
import { TASKS_STREAM, WORKERS_CONSUMER } from "../../src/nats/subjects.js";
import { startNats, type TestNats } from "../helpers/nats.js";

describe("stranded work-queue messages", () => {
  it("purges up to the ack floor only when messages are stored at or below it, with one consumer", () => {
    expect(strandedPurgeSeq({ firstSeq: 363, messages: 4, ackFloorStreamSeq: 2032, consumers: 1 })).toBe(2033);
    expect(strandedPurgeSeq({ firstSeq: 2033, messages: 4, ackFloorStreamSeq: 2032, consumers: 1 })).toBeUndefined();
    expect(strandedPurgeSeq({ firstSeq: 0, messages: 0, ackFloorStreamSeq: 2032, consumers: 1 })).toBeUndefined();
    // Another consumer's floor is not known here: leave the stream alone.
    expect(strandedPurgeSeq({ firstSeq: 363, messages: 4, ackFloorStreamSeq: 2032, consumers: 2 })).toBeUndefined();
  });

  describe("on a real work queue", () => {
    let nats: TestNats | undefined;
    let broker: Broker | undefined;
    const log = createLogger({ level: "warn", name: "janitor-test" });
    beforeAll(async () => {
      nats = await startNats();
      broker = await Broker.connect({ servers: [nats.url], name: "janitor-test", publishTimeoutMs: 5_000 }, log);
      await ensureTopology(broker.jsm, compileConfig({ streamReplicas: 1 }, {}), log);
    });
    afterAll(async () => {
      await broker?.close();
      await nats?.stop();
    });

    it("leaves unacked and undelivered messages in place", async () => {
      const b = broker!;
      for (let i = 0; i < 6; i++) await b.requests.publish(`recflow.tasks.janitor.probe`, new TextEncoder().encode(`m${i}`));
      const consumer = await b.js.consumers.get(TASKS_STREAM, WORKERS_CONSUMER);
      const got = [];
      for await (const m of await consumer.fetch({ max_messages: 5, expires: 2_000 })) {
        got.push(m);
        if (got.length === 5) break;
      }
      expect(got.length).toBe(5);
      // Acked: 1, 2, 4. Unacked: 3 (running), 5 (running). Undelivered: 6.
      for (const i of [0, 1, 3]) got[i].ack();
      await b.nc.flush();
      await new Promise((r) => setTimeout(r, 300));
      const before = await b.jsm.streams.info(TASKS_STREAM);
      expect(before.state.messages).toBe(3);
      expect(await purgeStrandedTasks(b.jsm, log)).toBe(0);
      const after = await b.jsm.streams.info(TASKS_STREAM);
      expect(after.state.messages).toBe(3);
      expect((await b.jsm.consumers.info(TASKS_STREAM, WORKERS_CONSUMER)).ack_floor.stream_seq).toBe(2);
      for (const m of got) m.ack();
    });
  });
});
