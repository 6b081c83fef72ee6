// The pre-encoded watch path: an event the feed holds goes to watchers as its stored bytes plus
// the sequence field (FeedEvent.wire), and WatchTask/WatchTasks pass those bytes through grpc-js
// untouched. What a client decodes must be exactly the event a full decode gives, sequence included.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as grpc from "@grpc/grpc-js";
import { DecodeError, taskEventCodec } from "../../src/api/codec.js";
import { loadProtos } from "../../src/api/protos.js";
import { makeEvent, type StoredEvent } from "../../src/api/task-model.js";
import type { TaskEvent } from "../../src/generated/recflow/v1/TaskEvent.js";
import type { TasksServiceClient } from "../../src/generated/recflow/v1/TasksService.js";
import { passEncodedEvents } from "../../src/gateway/watch-stream.js";
import { decodeStoredEvent } from "../../src/nats/event-log.js";
import { FeedEvent, sequenceField } from "../../src/nats/feed-event.js";

const KIND = "TASK_KIND_RECOMMEND";
const T0 = Date.UTC(2026, 10, 30, 9, 0, 0, 123);

/** A partial result of Recommend for many users: about 1 MB encoded. */
function bigPartial(users: number): NonNullable<TaskEvent["partialResult"]> {
  const recommendations = Array.from({ length: users }, (_, u) => ({
    userId: `user-${u}`,
    coldStart: u % 7 === 0,
    items: Array.from({ length: 10 }, (_, i) => ({ itemId: `item-${(u * 31 + i) % 5000}`, score: Math.fround(1 / (i + 1 + u / users)) })),
  }));
  return { chunkIndex: 3, recommendations };
}

/** One real event of every kind, each following the previous one's status, as a task's log has them. */
function taskLog(): TaskEvent[] {
  const bodies: Parameters<typeof makeEvent>[2][] = [
    { queued: { spec: { recommend: { modelId: "m_1", userIds: ["u1", "u2"], k: 10, excludeSeen: false }, labels: { batch: "nightly-42", team: "recs" }, maxRetries: 2 }, requestId: "req-1" } },
    { started: { attempt: 1, workerId: "worker-a" } },
    { progress: { fraction: 0.25, message: "scoring", metrics: { users: 2, loss: 0.125 } } },
    { partialResult: bigPartial(9000) },
    { retrying: { attempt: 1, error: { code: 14, reason: "WORKER_LOST", message: "gone", retryable: true, attempt: 1 }, nextAttemptTime: { seconds: 1_800_000_000, nanos: 5 } } },
    { succeeded: { result: { recommend: { users: 2 } } } },
    { failed: { error: { code: 13, reason: "RETRIES_EXHAUSTED", message: "boom", retryable: false, attempt: 3 } } },
    { cancelled: { reason: "user asked" } },
  ];
  const log: TaskEvent[] = [];
  let prev: StoredEvent["status"] = null;
  for (const [i, body] of bodies.entries()) {
    const ev = makeEvent("t_wire", prev, body, KIND, T0 + i * 1000);
    log.push(ev);
    prev = taskEventCodec.decode(taskEventCodec.encode(ev)).status;
  }
  return log;
}

const SEQUENCES = [1, 127, 128, 16_384, 2 ** 32 - 1, 2 ** 32, 2 ** 32 + 7, 2 ** 45 + 12_345, Number.MAX_SAFE_INTEGER];

describe("a feed event's wire form", () => {
  const stored = taskLog().map((ev) => taskEventCodec.encode(ev));

  it("covers every kind of event, one of them about a megabyte", () => {
    expect(stored.map((b) => taskEventCodec.decode(b).event)).toEqual(["queued", "started", "progress", "partialResult", "retrying", "succeeded", "failed", "cancelled"]);
    expect(stored[3].length).toBeGreaterThan(900_000);
  });

  it("decodes to exactly what decodeStoredEvent gives, sequence included, past 2^32 too", () => {
    for (const bytes of stored) {
      for (const seq of SEQUENCES) {
        const fe = new FeedEvent("default", "t_wire", seq, bytes.slice());
        fe.check();
        const sent = taskEventCodec.decode(fe.wire);
        expect(sent).toEqual(decodeStoredEvent({ data: bytes, seq }));
        expect(sent.sequence).toBe(seq);
        // The stored bytes, then field 2: nothing else is added.
        expect(fe.wire.subarray(0, bytes.length).equals(bytes)).toBe(true);
        expect(fe.wire.length - bytes.length).toBe(sequenceField(seq).length);
      }
    }
  });

  it("encodes the sequence as protobufjs does, as a trailing field that wins over an earlier one", () => {
    const type = loadProtos().root.lookupType("recflow.v1.TaskEvent");
    for (const seq of SEQUENCES) {
      expect(Buffer.from(sequenceField(seq))).toEqual(Buffer.from(type.encode(type.fromObject({ sequence: seq })).finish()));
    }
    // Bytes that already carry a sequence (the log stores none) still decode to the feed's.
    const withSeq = taskEventCodec.encode({ ...taskLog()[1], sequence: 99 });
    expect(taskEventCodec.decode(new FeedEvent("default", "t_wire", 2 ** 33, withSeq).wire).sequence).toBe(2 ** 33);
  });

  it("is built once and shared, and the event still decodes from it afterwards", () => {
    const fe = new FeedEvent("default", "t_wire", 42, stored[0].slice());
    const wire = fe.wire;
    expect(fe.wire).toBe(wire);
    expect(fe.decode()).toEqual(decodeStoredEvent({ data: stored[0], seq: 42 }));
    expect(fe.size).toBe(stored[0].length);
  });

  it("is checked by a full decode once, the result remembered, the decoded object not kept", () => {
    const ok = new FeedEvent("default", "t_wire", 7, stored[3].slice());
    ok.check();
    ok.check();
    expect(ok.decoded).toBe(false);
    // Field 10 (queued) holding bytes that are not a Queued message: the top level is fine.
    const broken = new FeedEvent("default", "t_wire", 8, new Uint8Array([0x52, 0x02, 0xff, 0xff]));
    expect(() => broken.check()).toThrow(DecodeError);
    expect(() => broken.check()).toThrow(/recflow\.v1\.TaskEvent/);
  });
});

describe("the watch methods' serializer", () => {
  const service = loadProtos().grpcObject.recflow.v1.TasksService.service;
  const wrapped = passEncodedEvents(service);

  it("passes bytes through untouched and serializes an object as before, on WatchTask and WatchTasks only", () => {
    const ev = { ...taskLog()[2], sequence: 2 ** 40 };
    for (const name of ["WatchTask", "WatchTasks"]) {
      const serialize = wrapped[name].responseSerialize;
      expect(serialize).not.toBe(service[name].responseSerialize);
      const buf = Buffer.from([1, 2, 3]);
      expect(serialize(buf)).toBe(buf);
      const view = new Uint8Array([9, 0x0a, 0x01, 0x78, 9]).subarray(1, 4);
      const out = serialize(view);
      expect(Buffer.isBuffer(out)).toBe(true);
      expect([...out]).toEqual([0x0a, 0x01, 0x78]);
      expect(serialize(ev)).toEqual(service[name].responseSerialize(ev));
    }
    for (const name of Object.keys(service).filter((n) => n !== "WatchTask" && n !== "WatchTasks")) {
      expect(wrapped[name]).toBe(service[name]);
    }
  });

  describe("over a real gRPC stream", () => {
    let server: grpc.Server;
    let client: TasksServiceClient;
    const stored = taskLog().map((ev) => taskEventCodec.encode(ev));
    const events = stored.map((bytes, i) => new FeedEvent("default", "t_wire", 2 ** 32 + i * 1000, bytes));
    const expected = stored.map((bytes, i) => decodeStoredEvent({ data: bytes, seq: events[i].sequence }));

    beforeAll(async () => {
      server = new grpc.Server();
      // Half the events as bytes, half as objects: a stream mixes both (cache and stream reads).
      const handler: grpc.handleServerStreamingCall<unknown, TaskEvent | Buffer> = (call) => {
        events.forEach((fe, i) => call.write(i % 2 === 0 ? fe.wire : fe.decode()));
        call.end();
      };
      server.addService(passEncodedEvents(service), { WatchTask: handler, WatchTasks: handler });
      const port = await new Promise<number>((resolve, reject) => server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))));
      const { TasksService } = loadProtos().grpcObject.recflow.v1;
      client = new TasksService(`127.0.0.1:${port}`, grpc.credentials.createInsecure(), { "grpc.max_receive_message_length": 8 * 1024 * 1024 });
    });

    afterAll(() => {
      client?.close();
      server?.forceShutdown();
    });

    it("delivers to a proto-loader client exactly the events a full decode gives", async () => {
      for (const method of ["WatchTask", "WatchTasks"] as const) {
        const got: unknown[] = [];
        const stream = method === "WatchTask" ? client.WatchTask({ taskId: "t_wire", afterSequence: 0 }) : client.WatchTasks({ taskIds: ["t_wire"], afterSequence: 0 });
        for await (const ev of stream) got.push(ev);
        expect(got).toEqual(expected);
      }
    });
  });
});
