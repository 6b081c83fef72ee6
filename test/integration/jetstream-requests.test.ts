// The hot-path JetStream calls (src/nats/jetstream-requests.ts) against a real nats-server: they
// must answer, and fail, exactly as nats.js's would, since callers classify errors by code.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connect, type NatsConnection } from "nats";
import { JetStreamRequests } from "../../src/nats/jetstream-requests.js";
import { isApiError, isNotFound, isTransient, WRONG_LAST_SEQUENCE } from "../../src/nats/nats-errors.js";
import { startNats, type TestNats } from "../helpers/nats.js";

describe("JetStreamRequests", () => {
  let nats: TestNats;
  let nc: NatsConnection;
  let req: JetStreamRequests;
  const data = new TextEncoder().encode("payload");

  beforeAll(async () => {
    nats = await startNats();
    nc = await connect({ servers: nats.url });
    const jsm = await nc.jetstreamManager();
    await jsm.streams.add({ name: "REQ", subjects: ["req.>"], allow_direct: true });
    req = new JetStreamRequests(nc, 300);
  });
  afterAll(async () => {
    req?.close();
    await nc?.close();
    await nats?.stop();
  });

  async function failure(p: Promise<unknown>): Promise<unknown> {
    return p.then(() => {
      throw new Error("expected a failure");
    }, (err: unknown) => err);
  }

  it("publishes with a PubAck, de-duplicates by message id and checks the subject's last sequence", async () => {
    const a = await req.publish("req.a", data, { msgId: "m1", expectedLastSubjectSeq: 0 });
    expect(a).toMatchObject({ stream: "REQ", duplicate: false });
    expect(await req.publish("req.a", data, { msgId: "m1" })).toEqual({ ...a, duplicate: true });
    const b = await req.publish("req.a", data, { expectedLastSubjectSeq: a.seq });
    expect(b.seq).toBeGreaterThan(a.seq);
    const stale = await failure(req.publish("req.a", data, { expectedLastSubjectSeq: a.seq }));
    expect(isApiError(stale, WRONG_LAST_SEQUENCE)).toBe(true);
    expect(isTransient(stale)).toBe(false);
  });

  it("reads with direct get by last subject and by sequence, and says not found like nats.js", async () => {
    const first = await req.publish("req.b", new TextEncoder().encode("one"));
    const second = await req.publish("req.b", new TextEncoder().encode("two"));
    const last = await req.directGet("REQ", { last_by_subj: "req.b" });
    expect(last.seq).toBe(second.seq);
    expect(new TextDecoder().decode(last.data)).toBe("two");
    const next = await req.directGet("REQ", { seq: 0, next_by_subj: "req.b" });
    expect(next.seq).toBe(first.seq);
    expect(isNotFound(await failure(req.directGet("REQ", { last_by_subj: "req.none" })))).toBe(true);
    expect(isNotFound(await failure(req.directGet("REQ", { seq: second.seq + 1, next_by_subj: "req.b" })))).toBe(true);
  });

  it("fails as transient when no stream listens or no answer comes in time, and on close", async () => {
    const none = await failure(req.publish("nostream.x", data));
    expect(isTransient(none)).toBe(true);
    // A subscriber that never answers: the sweep times the call out.
    const silent = nc.subscribe("silent.x");
    const started = performance.now();
    const timedOut = await failure(req.publish("silent.x", data));
    expect(isTransient(timedOut)).toBe(true);
    expect(performance.now() - started).toBeLessThan(2_000);
    const own = new JetStreamRequests(nc, 10_000);
    const pending = failure(own.publish("silent.x", data));
    own.close();
    expect(isTransient(await pending)).toBe(true);
    silent.unsubscribe();
  });
});
