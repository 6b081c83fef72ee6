// Write coalescing (src/nats/write-coalescing.ts) on a real nats-server: publishes issued from
// separate callbacks of one event-loop turn leave in one socket write, and every one arrives.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connect, type NatsConnection } from "nats";
import { coalesceWrites } from "../../src/nats/write-coalescing.js";
import { startNats, type TestNats } from "../helpers/nats.js";

/** Counts the socket writes of a connection (nats.js's transport.send). */
function countWrites(nc: NatsConnection): () => number {
  const transport = (nc as unknown as { protocol: { transport: { send(frame: Uint8Array): void } } }).protocol.transport;
  const send = transport.send.bind(transport);
  let writes = 0;
  transport.send = (frame) => {
    writes++;
    send(frame);
  };
  return () => writes;
}

/** Publishes `n` messages, each from its own timer callback, all due in the same turn. */
async function publishFromTimers(nc: NatsConnection, subject: string, n: number): Promise<void> {
  await new Promise<void>((resolve) => {
    let left = n;
    for (let i = 0; i < n; i++) {
      setTimeout(() => {
        // A continuation per callback, as a PubAck's await would give.
        void Promise.resolve().then(() => nc.publish(subject, new TextEncoder().encode(String(i))));
        if (--left === 0) setImmediate(resolve);
      }, 0);
    }
  });
  await nc.flush();
}

describe("NATS write coalescing", () => {
  let nats: TestNats;
  let plain: NatsConnection;
  let coalesced: NatsConnection;
  let reader: NatsConnection;

  beforeAll(async () => {
    nats = await startNats();
    plain = await connect({ servers: nats.url });
    coalesced = await connect({ servers: nats.url });
    reader = await connect({ servers: nats.url });
    expect(coalesceWrites(coalesced)).toBe(true);
  });
  afterAll(async () => {
    await Promise.all([plain, coalesced, reader].map((c) => c?.close()));
    await nats?.stop();
  });

  it("sends what one turn's callbacks publish in one write, and delivers all of it in order", async () => {
    const got: string[] = [];
    const sub = reader.subscribe("coalesce.>", { callback: (_e, m) => got.push(`${m.subject}:${new TextDecoder().decode(m.data)}`) });
    await reader.flush();
    const plainWrites = countWrites(plain);
    const coalescedWrites = countWrites(coalesced);
    await publishFromTimers(plain, "coalesce.plain", 50);
    await publishFromTimers(coalesced, "coalesce.merged", 50);
    await reader.flush();
    for (let waited = 0; got.length < 100 && waited < 5_000; waited += 20) await new Promise((r) => setTimeout(r, 20));
    sub.unsubscribe();
    // nats.js alone: a write per callback (its flush is a microtask); coalesced: the turn's
    // publishes in one write, plus the PING of flush().
    expect(plainWrites()).toBeGreaterThanOrEqual(50);
    expect(coalescedWrites()).toBeLessThanOrEqual(3);
    expect(got.filter((g) => g.startsWith("coalesce.merged:"))).toEqual(Array.from({ length: 50 }, (_, i) => `coalesce.merged:${i}`));
    expect(got.filter((g) => g.startsWith("coalesce.plain:"))).toHaveLength(50);
  });

  it("still answers requests (request/reply round trips are not held back)", async () => {
    const sub = reader.subscribe("coalesce.echo", { callback: (_e, m) => m.respond(m.data) });
    await reader.flush();
    for (let i = 0; i < 20; i++) {
      const m = await coalesced.request("coalesce.echo", new TextEncoder().encode(`ping ${i}`), { timeout: 5_000 });
      expect(new TextDecoder().decode(m.data)).toBe(`ping ${i}`);
    }
    sub.unsubscribe();
  });
});
