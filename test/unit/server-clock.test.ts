// The NATS server's clock as a process estimates it (src/nats/server-clock.ts): from the stamps on
// its own writes (a window) and on stored messages it sees (lower bounds), so deadlines are judged
// by the server's clock on a host whose clock is off, and a message that waited moves nothing.
import { describe, expect, it } from "vitest";
import { ServerClock, parseServerTime } from "../../src/nats/server-clock.js";

/** A local clock the test moves by hand. */
function localClock(start: number): { now: () => number; advance: (ms: number) => void } {
  let t = start;
  return { now: () => t, advance: (ms) => void (t += ms) };
}

const FIVE_MIN = 5 * 60_000;

describe("ServerClock", () => {
  it("is the local clock until it has a sample", () => {
    const local = localClock(1_000_000);
    const c = new ServerClock(local.now);
    expect(c.offsetMs).toBe(0);
    expect(c.now()).toBe(1_000_000);
  });

  it("learns a host clock 5 minutes ahead from a write's stamp, to within half the round trip", () => {
    const server = 10_000_000;
    const local = localClock(server + FIVE_MIN);
    const c = new ServerClock(local.now);
    // Sent at local t0, stamped 20 ms later (server time), answered 40 ms after t0.
    const t0 = local.now();
    local.advance(40);
    c.observeWrite(server + 20, t0, local.now());
    const serverNow = server + 40;
    expect(Math.abs(c.now() - serverNow)).toBeLessThanOrEqual(20);
    // A deadline 1 minute ahead in server time fires about 1 minute from now on the local timer.
    expect(Math.abs(c.toLocal(serverNow + 60_000) - (local.now() + 60_000))).toBeLessThanOrEqual(20);
  });

  it("takes a clock minutes ahead from a delivered message alone, before any write", () => {
    const server = 20_000_000;
    const local = localClock(server + FIVE_MIN);
    const c = new ServerClock(local.now);
    c.observeStored(server - 10); // a task stored 10 ms ago
    expect(c.now()).toBeLessThanOrEqual(server);
    expect(server - c.now()).toBeLessThanOrEqual(10);
  });

  it("does not move an NTP-synced host's clock for a message that waited (a redelivery, a backlog)", () => {
    const server = 30_000_000;
    const local = localClock(server);
    const c = new ServerClock(local.now);
    c.observeStored(server - 3_500); // redelivered after a 3 s ack wait
    c.observeStored(server - 25_000); // waited in a backlog
    expect(c.offsetMs).toBe(0);
    // A write window then confirms the host is right.
    c.observeWrite(server + 5, server, server + 10);
    expect(c.offsetMs).toBe(0);
  });

  it("takes stored messages' stamps as lower bounds: the highest one, never one that makes it later than the server", () => {
    const server = 50_000_000;
    const local = localClock(server - FIVE_MIN); // 5 minutes behind
    const c = new ServerClock(local.now);
    c.observeStored(server - 30_000); // stored 30 s ago (a redelivery): a loose bound
    expect(c.offsetMs).toBe(FIVE_MIN - 30_000);
    c.observeStored(server - 15); // stored 15 ms ago (a fresh task)
    expect(c.offsetMs).toBe(FIVE_MIN - 15);
    c.observeStored(server - 10_000); // looser again: ignored
    expect(c.offsetMs).toBe(FIVE_MIN - 15);
    expect(c.now()).toBeLessThanOrEqual(server);
  });

  it("uses the local clock as it is when it is within a second of the server's", () => {
    const server = 70_000_000;
    const local = localClock(server + 300); // 300 ms ahead: NTP-grade, not worth correcting
    const c = new ServerClock(local.now);
    c.observeStored(server - 5);
    expect(c.offsetMs).toBe(0);
    expect(c.now()).toBe(local.now());
  });

  it("forgets old samples (the host clock may have been stepped since) and refuses a loose write window", () => {
    const server = 90_000_000;
    const local = localClock(server + FIVE_MIN);
    const c = new ServerClock(local.now);
    c.observeStored(server);
    expect(c.offsetMs).toBe(-FIVE_MIN);
    // The host clock is corrected (now right) and an hour passes with no sample: back to local.
    local.advance(-FIVE_MIN + 3_600_000);
    expect(c.offsetMs).toBe(0);
    // A write that took 5 s round trip says too little to use.
    const t0 = local.now();
    local.advance(5_000);
    c.observeWrite(server + FIVE_MIN, t0, local.now());
    expect(c.offsetMs).toBe(0);
  });

  it("reads JetStream's RFC 3339 stamps with nanoseconds", () => {
    expect(parseServerTime("2026-11-30T06:58:18.491123456Z")).toBe(Date.UTC(2026, 10, 30, 6, 58, 18, 491));
    expect(parseServerTime("2026-11-30T06:58:18Z")).toBe(Date.UTC(2026, 10, 30, 6, 58, 18));
    expect(parseServerTime(undefined)).toBeNaN();
  });
});
