import { describe, expect, it } from "vitest";
import { backoffMs } from "../../src/worker/retry-policy.js";
import { isTaskId, newTaskId, taskIdForRequest } from "../../src/api/task-id.js";
import { taskEventCodec, taskMessageCodec, DecodeError } from "../../src/api/codec.js";
import { isTerminal, makeEvent, nextStatus } from "../../src/api/task-model.js";
import { validateSubmit } from "../../src/gateway/validation.js";
import { ValidationError } from "../../src/errors.js";

const LIMITS = { maxK: 1000, maxRetriesLimit: 8, defaultMaxRetries: 3, maxSpecBytes: 256 * 1024 };

describe("retry back-off", () => {
  it("doubles per attempt within [exp/2, exp] and respects the ceiling", () => {
    const p = { baseMs: 100, maxMs: 1000 };
    for (const [attempt, exp] of [[1, 100], [2, 200], [3, 400], [4, 800], [5, 1000], [9, 1000]]) {
      expect(backoffMs(p, attempt, () => 0)).toBe(exp / 2);
      expect(backoffMs(p, attempt, () => 0.999999)).toBe(exp);
    }
  });
});

describe("task ids", () => {
  it("are subject-safe, sortable by creation time and deterministic per (tenant, request_id)", () => {
    const a = newTaskId(1_700_000_000_000);
    const b = newTaskId(1_700_000_000_001);
    expect(isTaskId(a) && isTaskId(b)).toBe(true);
    expect(a < b).toBe(true);
    expect(taskIdForRequest("t1", "r")).toBe(taskIdForRequest("t1", "r"));
    expect(taskIdForRequest("t1", "r")).not.toBe(taskIdForRequest("t2", "r"));
    expect(isTaskId(taskIdForRequest("t1", "r"))).toBe(true);
    expect(isTaskId("t_../../x")).toBe(false);
  });

  it("do not repeat within one millisecond, across refills of the random pool", () => {
    const ids = Array.from({ length: 10_000 }, () => newTaskId(1_700_000_000_000));
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.every(isTaskId)).toBe(true);
  });
});

describe("event codec and status snapshots", () => {
  it("round-trips an event with its snapshot and kind", () => {
    const queued = makeEvent("t_X", null, { queued: { spec: { probe: { workMs: 5 }, maxRetries: 2 }, requestId: "r" } }, "TASK_KIND_PROBE", 1_000);
    const back = taskEventCodec.decode(taskEventCodec.encode(queued));
    expect(back.event).toBe("queued");
    expect(back.status?.state).toBe("TASK_STATE_QUEUED");
    expect(back.status?.kind).toBe("TASK_KIND_PROBE");
    expect(back.queued?.spec?.maxRetries).toBe(2);
    expect(back.queued?.spec?.probe?.workMs).toBe(5);
    const started = nextStatus(back.status, { started: { attempt: 1, workerId: "w" } }, 2_000, "TASK_KIND_PROBE");
    expect(started.state).toBe("TASK_STATE_RUNNING");
    expect(started.startTime).toEqual({ seconds: 2, nanos: 0 });
    expect(started.createTime).toEqual({ seconds: 1, nanos: 0 });
    const done = nextStatus(back.status, { succeeded: { result: {} } }, 3_000, "TASK_KIND_PROBE");
    expect(isTerminal(done.state as never)).toBe(true);
    expect(done.progress).toBe(1);
  });

  it("throws DecodeError on garbage instead of a RangeError", () => {
    expect(() => taskMessageCodec.decode(new Uint8Array([0xff, 0xff, 0xff, 0xff, 0x0f]))).toThrow(DecodeError);
  });
});

describe("validateSubmit", () => {
  const base = { labels: {}, deadline: null, priority: 0 };
  it("applies the default max_retries only when absent", () => {
    expect(validateSubmit({ requestId: "", task: { ...base, kind: "probe", probe: { workMs: 1, cpu: false, failAttempts: 0, permanentError: false, crashProcess: false, crashThread: false, progressSteps: 0 } } }, LIMITS).spec.maxRetries).toBe(3);
    expect(validateSubmit({ requestId: "", task: { ...base, maxRetries: 0, kind: "probe", probe: { workMs: 1, cpu: false, failAttempts: 0, permanentError: false, crashProcess: false, crashThread: false, progressSteps: 0 } } }, LIMITS).spec.maxRetries).toBe(0);
  });

  it("reports every violation at once", () => {
    try {
      validateSubmit({ requestId: "bad id", task: { ...base, priority: 5000, kind: "recommend", recommend: { modelId: "", alias: "", userIds: [], allUsers: false, k: 0, allowItems: [], denyItems: [] } } }, LIMITS);
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ValidationError);
      expect((err as ValidationError).violations.map((v) => v.field).sort()).toEqual(
        ["request_id", "task.priority", "task.recommend.k", "task.recommend.model_id", "task.recommend.user_ids"].sort(),
      );
    }
  });
});
