// The delivery a running attempt answers through, which a redelivery of the same message can
// take over. JetStream redelivers a message whose ack_wait ran out even to the worker that still
// works on it: after a NATS restart, the server may count the lease from before the outage and
// redeliver before this worker's first heartbeat gets through (nats-server 2.10 did, in the
// short-restart fault test, to the same worker within a second of reconnecting). Starting a
// second attempt there would run the task twice on one worker for nothing; instead the running
// attempt carries on, heartbeats and finally answers through the newest delivery (the one whose
// ack the server now expects). Its attempt number stays the one it started with: its events are
// already written under it.
import type { TaskDelivery } from "../nats/task-queue.js";

export class HeldDelivery implements TaskDelivery {
  readonly task: TaskDelivery["task"];
  readonly attempt: number;
  readonly streamSeq: number;
  readonly storedAtMs: number | undefined;
  readonly traceContext: TaskDelivery["traceContext"];
  #current: TaskDelivery;
  /** The final answer once given (ack / nak / term), repeated on a delivery adopted after it. */
  #answer: ((d: TaskDelivery) => void) | undefined;
  /** Redeliveries taken over. */
  adopted = 0;

  constructor(first: TaskDelivery) {
    this.#current = first;
    this.task = first.task;
    this.attempt = first.attempt;
    this.streamSeq = first.streamSeq;
    this.storedAtMs = first.storedAtMs;
    this.traceContext = first.traceContext;
  }

  /** Takes over a redelivery of this same message: later heartbeats and the answer go through it. */
  adopt(newer: TaskDelivery): void {
    if (newer.streamSeq !== this.streamSeq) throw new Error(`not a redelivery of stream sequence ${this.streamSeq}: ${newer.streamSeq}`);
    this.#current = newer;
    this.adopted++;
    // Answered already (the ack crossed the redelivery): the server is waiting on this one now.
    if (this.#answer) this.#answer(newer);
    else newer.working();
  }

  working(): boolean {
    return this.#current.working();
  }

  ack(): void {
    this.#settle((d) => d.ack());
  }

  nak(delayMs: number): void {
    this.#settle((d) => d.nak(delayMs));
  }

  term(): void {
    this.#settle((d) => d.term());
  }

  #settle(answer: (d: TaskDelivery) => void): void {
    if (this.#answer) return;
    this.#answer = answer;
    answer(this.#current);
  }
}
