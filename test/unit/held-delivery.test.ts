// HeldDelivery: a redelivery of the message a running attempt still holds is taken over, not run
// again; heartbeats and the final answer go through the newest delivery, also when the answer
// crossed the redelivery. (The fault test nats-restart-short-ack-wait runs it against a real
// nats-server restart.)
import { describe, expect, it } from "vitest";
import type { TaskDelivery } from "../../src/nats/task-queue.js";
import { HeldDelivery } from "../../src/worker/held-delivery.js";

/** A delivery that records what was sent on its ack subject. */
function delivery(attempt: number, streamSeq = 7): TaskDelivery & { sent: string[] } {
  const sent: string[] = [];
  return {
    sent, attempt, streamSeq, task: { taskId: "t1", tenant: "a" } as TaskDelivery["task"], traceContext: undefined,
    working: () => (sent.push("+WPI"), true),
    ack: () => void sent.push("+ACK"),
    nak: (ms: number) => void sent.push(`-NAK ${ms}`),
    term: () => void sent.push("+TERM"),
  };
}

describe("HeldDelivery", () => {
  it("heartbeats and answers through the newest delivery, keeping the attempt it started with", () => {
    const first = delivery(1);
    const held = new HeldDelivery(first);
    held.working();
    const second = delivery(2);
    held.adopt(second);
    held.working();
    held.ack();
    expect(held.attempt).toBe(1);
    expect(first.sent).toEqual(["+WPI"]);
    // Adopting sends a heartbeat at once: the server's new lease starts now.
    expect(second.sent).toEqual(["+WPI", "+WPI", "+ACK"]);
    expect(held.adopted).toBe(1);
  });

  it("repeats an answer already given on a delivery adopted after it, and answers once", () => {
    const first = delivery(1);
    const held = new HeldDelivery(first);
    held.nak(500);
    held.ack();
    const second = delivery(2);
    held.adopt(second);
    expect(first.sent).toEqual(["-NAK 500"]);
    expect(second.sent).toEqual(["-NAK 500"]);
  });

  it("refuses a delivery of another message", () => {
    const held = new HeldDelivery(delivery(1, 7));
    expect(() => held.adopt(delivery(1, 8))).toThrow(/stream sequence 7/);
  });
});
