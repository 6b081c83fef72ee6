// The pure parts of RecflowClient: what a run keeps from a retried task's partial results, and
// the CSV that uploadDataset writes from rows (the real gateway reads it in recflow-client.test.ts).
import { describe, expect, it } from "vitest";
import { RunCollector } from "../../src/client/task-run.js";
import { TaskFailedError } from "../../src/client/errors.js";
import { rowChunks } from "../../src/client/dataset-rows.js";
import type { TaskEvent__Output } from "../../src/generated/recflow/v1/TaskEvent.js";

let seq = 0;
function ev(event: TaskEvent__Output["event"], body: Partial<TaskEvent__Output> = {}): TaskEvent__Output {
  return { taskId: "t_1", sequence: ++seq, time: null, status: { state: "TASK_STATE_RUNNING", kind: "TASK_KIND_RECOMMEND", attempt: 1, progress: 0, message: "", createTime: null, startTime: null, updateTime: null, endTime: null, traceId: "", workerId: "w1" }, event, ...body };
}
const chunk = (chunkIndex: number, userId: string): Partial<TaskEvent__Output> => ({ partialResult: { chunkIndex, recommendations: [{ userId, items: [], coldStart: false }], neighbours: [], leaderboard: [] } });

describe("RunCollector", () => {
  it("keeps only the partial results of the attempt that succeeded", () => {
    const c = new RunCollector();
    c.onEvent(ev("started"));
    c.onEvent(ev("partialResult", chunk(0, "from-attempt-1")));
    c.onEvent(ev("retrying"));
    c.onEvent(ev("started"));
    c.onEvent(ev("partialResult", chunk(0, "u1")));
    c.onEvent(ev("partialResult", chunk(1, "u2")));
    expect(c.onEvent(ev("succeeded", { succeeded: { result: {} } }))).toBe(true);
    expect(c.outcome("t_1").partials.flatMap((p) => p.recommendations.map((r) => r.userId))).toEqual(["u1", "u2"]);
  });

  it("throws TaskFailedError naming the reason on one line", () => {
    const c = new RunCollector();
    c.onEvent(ev("failed", { failed: { error: { code: 5, reason: "MODEL_NOT_FOUND", message: "no model\nm1", retryable: false, attempt: 1 } } }));
    expect(() => c.outcome("t_1")).toThrow(TaskFailedError);
    expect(() => c.outcome("t_1")).toThrow(/^recflow: task t_1 FAILED: MODEL_NOT_FOUND: no model m1$/);
  });
});

describe("rowChunks", () => {
  it("writes a header and quotes ids holding commas or quotes", async () => {
    let text = "";
    for await (const c of rowChunks([["u1", "a,b"], { user: 'say "hi"', item: "i2", weight: 2 }, ["u3", "i3", undefined, 1700000000]])) text += new TextDecoder().decode(c);
    expect(text).toBe('user,item,weight,timestamp\nu1,"a,b"\n"say ""hi""",i2,2\nu3,i3,1,1700000000\n');
  });

  it("refuses an id with a line break, which the dataset format cannot hold", async () => {
    await expect((async () => {
      for await (const c of rowChunks([["u1\nx", "i1"]])) void c;
    })()).rejects.toThrow(/line break/);
  });
});
