// Every case of an attempt's lifecycle decided by attempt-decision.ts, one by one: what the runner
// then writes and whether it acks, naks or terms follows from the decision alone (TaskRunner#apply).
import { describe, expect, it } from "vitest";
import { admit, decide, stopReasonOf, type AttemptFacts, type JobOutcome } from "../../src/worker/attempt-decision.js";

const NOW = 1_700_000_000_000;
const OK: JobOutcome = { ok: true };
const TRANSIENT: JobOutcome = { ok: false, permanent: false, code: 13, reason: "PROBE_FAILURE", message: "boom" };
const PERMANENT: JobOutcome = { ok: false, permanent: true, code: 3, reason: "BAD_PARAMS", message: "k must be positive" };

/** An attempt that ran to its end: first of three allowed, no deadline, a 400 ms back-off. */
function facts(over: Partial<AttemptFacts>): AttemptFacts {
  return { outcome: OK, stopReason: undefined, attempt: 1, maxRetries: 2, deadline: undefined, now: NOW, retryDelayMs: 400, ...over };
}

describe("admit: may a delivery run at all", () => {
  it("runs a first attempt with no deadline, and any attempt up to max_retries + 1", () => {
    expect(admit({ attempt: 1, maxRetries: 0, deadline: undefined, now: NOW })).toBeUndefined();
    expect(admit({ attempt: 4, maxRetries: 3, deadline: undefined, now: NOW })).toBeUndefined();
    expect(admit({ attempt: 1, maxRetries: 0, deadline: NOW + 1, now: NOW })).toBeUndefined();
  });

  it("fails DEADLINE_EXCEEDED without running once the deadline has passed (at the deadline included)", () => {
    for (const deadline of [NOW, NOW - 60_000]) {
      expect(admit({ attempt: 1, maxRetries: 3, deadline, now: NOW })).toEqual({
        kind: "fail",
        error: { code: 4, reason: "DEADLINE_EXCEEDED", message: "deadline passed before the task could run", retryable: false, attempt: 1 },
      });
    }
  });

  it("fails RETRIES_EXHAUSTED a delivery beyond the allowed attempts (earlier ones lost to crashes)", () => {
    const d = admit({ attempt: 3, maxRetries: 1, deadline: undefined, now: NOW });
    expect(d).toMatchObject({ kind: "fail", error: { code: 14, reason: "RETRIES_EXHAUSTED", retryable: false, attempt: 3 } });
    expect(d?.error.message).toContain("attempt 3 exceeds max_retries 1");
  });

  it("names the deadline when a delivery is both late and beyond its attempts", () => {
    expect(admit({ attempt: 9, maxRetries: 0, deadline: NOW - 1, now: NOW })?.error.reason).toBe("DEADLINE_EXCEEDED");
  });
});

describe("decide: what an attempt does after its job", () => {
  it("succeeds a job that finished without a stop", () => {
    expect(decide(facts({}))).toEqual({ kind: "succeed" });
    // On its last allowed attempt and just before its deadline too: nothing to retry.
    expect(decide(facts({ attempt: 3, maxRetries: 2, deadline: NOW + 1 }))).toEqual({ kind: "succeed" });
  });

  it("confirms a cancel against the log, whatever the job's outcome", () => {
    for (const outcome of [OK, TRANSIENT, PERMANENT]) {
      expect(decide(facts({ outcome, stopReason: "cancelled" }))).toEqual({ kind: "confirm-cancelled" });
    }
  });

  it("hands the task back at shutdown without writing, even on its last attempt or past its deadline", () => {
    for (const outcome of [OK, TRANSIENT, PERMANENT]) {
      expect(decide(facts({ outcome, stopReason: "shutdown" }))).toEqual({ kind: "hand-back" });
    }
    expect(decide(facts({ outcome: TRANSIENT, stopReason: "shutdown", attempt: 3, maxRetries: 2, deadline: NOW - 1 }))).toEqual({ kind: "hand-back" });
  });

  it("tells a cancel from a shutdown by the stop reason alone", () => {
    expect(decide(facts({ outcome: TRANSIENT, stopReason: "cancelled" })).kind).not.toBe(decide(facts({ outcome: TRANSIENT, stopReason: "shutdown" })).kind);
  });

  it("fails DEADLINE_EXCEEDED a job stopped by its deadline, even one that finished as the timer fired", () => {
    for (const outcome of [OK, TRANSIENT, PERMANENT]) {
      expect(decide(facts({ outcome, stopReason: "deadline", deadline: NOW }))).toEqual({
        kind: "fail",
        error: { code: 4, reason: "DEADLINE_EXCEEDED", message: "task deadline exceeded while running", retryable: false, attempt: 1 },
      });
    }
  });

  it("fails a permanent error at once, on the first attempt, keeping its code and reason", () => {
    expect(decide(facts({ outcome: PERMANENT }))).toEqual({
      kind: "fail",
      error: { code: 3, reason: "BAD_PARAMS", message: "k must be positive", retryable: false, attempt: 1 },
    });
  });

  it("retries a transient error with the back-off, the next attempt's time and the error as it was", () => {
    expect(decide(facts({ outcome: TRANSIENT, attempt: 2, maxRetries: 2 }))).toEqual({
      kind: "retry",
      delayMs: 400,
      nextAttemptTime: NOW + 400,
      error: { code: 13, reason: "PROBE_FAILURE", message: "boom", retryable: true, attempt: 2 },
    });
  });

  it("fails RETRIES_EXHAUSTED a transient error on the last allowed attempt", () => {
    expect(decide(facts({ outcome: TRANSIENT, attempt: 3, maxRetries: 2 }))).toEqual({
      kind: "fail",
      error: { code: 13, reason: "RETRIES_EXHAUSTED", message: "boom (attempt 3 of 3)", retryable: false, attempt: 3 },
    });
    // max_retries 0: the first failure is the last.
    expect(decide(facts({ outcome: TRANSIENT, attempt: 1, maxRetries: 0 }))).toMatchObject({ kind: "fail", error: { reason: "RETRIES_EXHAUSTED", message: "boom (attempt 1 of 1)" } });
  });

  it("fails DEADLINE_EXCEEDED instead of retrying when the deadline would pass during the back-off", () => {
    const late = { code: 4, reason: "DEADLINE_EXCEEDED", message: "boom; no time left for a retry before the deadline", retryable: false, attempt: 1 };
    expect(decide(facts({ outcome: TRANSIENT, deadline: NOW + 399 }))).toEqual({ kind: "fail", error: late });
    expect(decide(facts({ outcome: TRANSIENT, deadline: NOW + 400 }))).toEqual({ kind: "fail", error: late }); // lands on it: too late
    expect(decide(facts({ outcome: TRANSIENT, deadline: NOW + 401 }))).toMatchObject({ kind: "retry", nextAttemptTime: NOW + 400 });
  });

  it("names the exhausted retries before the deadline, and the permanent error before both", () => {
    expect(decide(facts({ outcome: TRANSIENT, attempt: 3, maxRetries: 2, deadline: NOW + 1 }))).toMatchObject({ kind: "fail", error: { reason: "RETRIES_EXHAUSTED" } });
    expect(decide(facts({ outcome: PERMANENT, attempt: 3, maxRetries: 2, deadline: NOW + 1 }))).toMatchObject({ kind: "fail", error: { reason: "BAD_PARAMS" } });
  });

  it("depends on nothing but its inputs", () => {
    const f = facts({ outcome: TRANSIENT });
    expect(decide(f)).toEqual(decide(structuredClone(f)));
  });
});

describe("stopReasonOf: the stop reason an abort carries", () => {
  it("is undefined before an abort, the reason the worker or the deadline timer gave, and a cancel otherwise", () => {
    const reasonOf = (abort?: (c: AbortController) => void): unknown => {
      const c = new AbortController();
      abort?.(c);
      return stopReasonOf(c.signal);
    };
    expect(reasonOf()).toBeUndefined();
    expect(reasonOf((c) => c.abort("shutdown"))).toBe("shutdown");
    expect(reasonOf((c) => c.abort("deadline"))).toBe("deadline");
    expect(reasonOf((c) => c.abort("cancelled"))).toBe("cancelled");
    expect(reasonOf((c) => c.abort())).toBe("cancelled");
  });

  it("keeps the first reason: a deadline after a shutdown is still a shutdown", () => {
    const c = new AbortController();
    c.abort("shutdown");
    c.abort("deadline");
    expect(stopReasonOf(c.signal)).toBe("shutdown");
  });
});
