// `recflow submit spec <json>` as a stranger uses it: the built CLI against a real stack. Before,
// grpc-js's lenient conversion dropped a misspelt field and turned a string where a number
// belongs into 0, so the task that ran was not the one written; now the CLI refuses with one line
// naming the field and exits 2, and nothing is stored. Valid proto3 JSON (snake_case names,
// integers as strings, an RFC 3339 deadline, labels) is stored as written.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Stack, runCli } from "../helpers/stack.js";

describe("recflow submit spec: strict proto3 JSON", () => {
  let stack: Stack;
  const recflow = (...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> => runCli([...args, "--address", stack.address]);
  const stored = async (): Promise<number> => (await stack.rf.listTasks({ pageSize: 1000 })).tasks.length;

  beforeAll(async () => {
    stack = await Stack.start();
  }, 60_000);

  afterAll(async () => {
    await stack?.close();
  });

  it.each([
    ['{"probe":{"wrokMs":500}}', /^error: the spec's task\.probe\.wrokMs is not a field of Probe; its fields are workMs, /],
    ['{"probe":{"workMs":"abc"}}', /^error: the spec's task\.probe\.work_ms must be an integer from 0 to 4294967295 \(uint32\), got "abc"$/],
    ['{"probe":{},"recommend":{"modelId":"m"}}', /^error: the spec's task\.recommend cannot be set with task\.probe: they are one choice \(kind\)$/],
    ['{"trainModel":{"datasetId":"d","algorithm":"ALS"}}', /^error: the spec's task\.train_model\.algorithm must be one of ALGORITHM_UNSPECIFIED, ALGORITHM_ALS, /],
    ['{"probe":{},"deadline":"tomorrow"}', /^error: the spec's task\.deadline must be an RFC 3339 time/],
    ['{"probe":{},"labels":{"team":7}}', /^error: the spec's task\.labels\["team"\] must be a string, got 7$/],
  ])("refuses %s with one line naming the field, exit 2, nothing stored", async (json, message) => {
    const before = await stored();
    const r = await recflow("submit", "spec", json);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toMatch(message);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(await stored()).toBe(before);
  });

  it("stores valid proto3 JSON as written: snake_case names, integers as strings, an RFC 3339 deadline, labels", async () => {
    const r = await recflow("submit", "spec", '{"probe":{"work_ms":"20","progress_steps":2},"max_retries":"1","priority":3,"deadline":"2031-01-02T03:04:05.5+01:00","labels":{"team":"ml"}}', "--label", "run=7");
    expect(r.code, r.stderr).toBe(0);
    const task = await stack.get(r.stdout.trim());
    // The spec's own labels and priority too (they were replaced by the flags' defaults before).
    expect(task.spec).toMatchObject({ probe: { workMs: 20, progressSteps: 2 }, maxRetries: 1, priority: 3, labels: { team: "ml", run: "7" } });
    expect(task.spec?.deadline).toMatchObject({ seconds: Date.UTC(2031, 0, 2, 2, 4, 5) / 1000, nanos: 500_000_000 });
  });
});
