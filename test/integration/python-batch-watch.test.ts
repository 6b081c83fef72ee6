// BatchSubmitTasks and WatchTasks used from Python (issue 15): the installed client's
// batch_submit and watch_tasks against a real stack (nats-server, a gateway with a tenants file, a
// worker), through clients/python/tests_batch_watch (pytest): per-entry errors, all-or-nothing,
// idempotency per request_id, a selector watch that follows later tasks, resume by after_sequence.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PythonStack } from "../helpers/python-client.js";

describe("Python client: batch submit and multi-task watch", () => {
  let py: PythonStack | undefined;

  beforeAll(async () => {
    py = await PythonStack.start();
  }, 180_000);

  afterAll(async () => {
    await py?.close();
  });

  it("passes its pytest suite: partial batch, all-or-nothing, per-entry idempotency, selector watch, resume", async () => {
    const run = await py!.pytest("tests_batch_watch", {}, 300_000);
    expect(run.code, `${run.stdout}\n${run.stderr}`).toBe(0);
    expect(run.stdout).toMatch(/^5 passed/m);
  }, 330_000);
});
