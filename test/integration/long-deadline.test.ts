// Deadlines further away than one setTimeout can wait (2^31 − 1 ms, about 24.8 days). Node.js
// replaces a longer delay by 1 ms: a task due in 30 days failed DEADLINE_EXCEEDED right after
// Started (issue 12). Through the real stack: gateway, worker and nats-server.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { toTimestamp } from "../../src/api/task-model.js";
import { Stack, terminalEvents } from "../helpers/stack.js";

const DAY_MS = 24 * 3600_000;

describe("task deadlines beyond the longest timer", () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await Stack.start({ workers: 1, threads: 1 });
  });
  afterAll(async () => {
    await stack?.close();
  });

  it.each([
    ["30 days", 30 * DAY_MS],
    ["5 years", 5 * 365 * DAY_MS],
  ])("runs a task whose deadline is %s away to SUCCEEDED", async (_label, inMs) => {
    const task = await stack.submit({ probe: { workMs: 300 }, deadline: toTimestamp(Date.now() + inMs) });
    const events = await stack.watch(task.id, 0, 20_000);
    expect(terminalEvents(events).map((e) => e.event)).toEqual(["succeeded"]);
    expect(events.at(-1)?.succeeded?.result?.probe?.workMs).toBe(300);
    expect((await stack.get(task.id)).status?.state).toBe("TASK_STATE_SUCCEEDED");
    expect(stack.workers.flatMap((w) => w.logs).filter((l) => l.includes("TimeoutOverflowWarning"))).toEqual([]);
  });
});
