// StreamReader on a real nats-server: a read passes on the filtered messages from its start,
// each once and in order, across the loss of its consumer (deleted from under it, as when the
// node holding it dies), and keeps its consumer while its caller holds it far longer than the
// consumer's heartbeats (no pull is out then, so none are due: not a loss).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { setTimeout as sleep } from "node:timers/promises";
import { createLogger } from "../../src/log.js";
import { Broker } from "../../src/nats/index.js";
import { StreamReader, type StreamReaderOptions } from "../../src/nats/stream-reader.js";
import { startNats, type TestNats } from "../helpers/nats.js";
import { waitFor } from "../helpers/stack.js";

const STREAM = "READER_TEST";

describe("StreamReader", () => {
  let nats: TestNats;
  let broker: Broker;
  const log = createLogger({ level: "silent", name: "stream-reader-test" });

  beforeAll(async () => {
    nats = await startNats();
    broker = await Broker.connect({ servers: [nats.url], name: "stream-reader-test", publishTimeoutMs: 5_000 }, log);
    await broker.jsm.streams.add({ name: STREAM, subjects: ["reader.>"], allow_direct: true });
  });
  afterAll(async () => {
    await broker?.close();
    await nats?.stop();
  });

  /** Publishes `n` messages, every third to reader.<topic>.b and the rest to .a; the .a sequences. */
  async function publish(topic: string, n: number): Promise<number[]> {
    const a: number[] = [];
    for (let i = 0; i < n; i++) {
      const ack = await broker.js.publish(`reader.${topic}.${i % 3 === 2 ? "b" : "a"}`, new TextEncoder().encode(`${topic} ${i}`));
      if (i % 3 !== 2) a.push(ack.seq);
    }
    return a;
  }

  /** The names of the stream's consumers made for `topic`'s reads. */
  async function consumersOf(topic: string): Promise<string[]> {
    return (await broker.jsm.consumers.list(STREAM).next()).map((c) => c.name).filter((name) => name.startsWith(`test-${topic}-`));
  }

  function reader(topic: string, from: number, batch: number): StreamReader {
    const opts: StreamReaderOptions = { stream: STREAM, filter: `reader.${topic}.a`, from, namePrefix: `test-${topic}`, batch, what: `${topic} read` };
    return new StreamReader(broker, log, opts);
  }

  it("passes on every filtered message once, in order, across consumers deleted from under it, then live ones", async () => {
    const stored = await publish("loss", 600);
    const r = reader("loss", stored[0], 64);
    const read: number[] = [];
    const stop = new AbortController();
    const later: number[] = [];
    for await (const m of r.read(stop.signal)) {
      read.push(m.seq);
      expect(m.subject).toBe("reader.loss.a");
      if (read.length === 100 || read.length === 300) {
        // Lost twice mid-read; the second time while more is being stored.
        const [name] = await consumersOf("loss");
        await broker.jsm.consumers.delete(STREAM, name);
        if (read.length === 300) later.push(...(await publish("loss", 90)));
      }
      if (read.length === stored.length + later.length) break;
    }
    expect(read).toEqual([...stored, ...later]);
    expect(r.next).toBe(later.at(-1)! + 1);
    // Its consumer is deleted once the read ends.
    await waitFor(async () => (await consumersOf("loss")).length === 0, 5_000, "the read's consumer deleted");
  });

  it("keeps its consumer while its caller holds the read longer than two heartbeats", async () => {
    const stored = await publish("held", 150);
    const r = reader("held", stored[0], 16);
    const read: number[] = [];
    let held: string[] = [];
    let atEnd: string[] = [];
    for await (const m of r.read(new AbortController().signal)) {
      read.push(m.seq);
      if (read.length === 10) {
        held = await consumersOf("held");
        await sleep(3_500);
      }
      if (read.length === stored.length) {
        atEnd = await consumersOf("held");
        break;
      }
    }
    expect(read).toEqual(stored);
    expect(held).toHaveLength(1);
    // The same consumer read everything: it was never taken for lost and re-created.
    expect(atEnd).toEqual(held);
  });
});
