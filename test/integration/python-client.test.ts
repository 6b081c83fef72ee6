// The Python client (clients/python) against a real stack: `pip install ./clients/python` into a
// venv over Debian's /usr/bin/python3 (python3-grpcio, setuptools; offline: --no-build-isolation
// --no-index), then its pytest suite (clients/python/tests) against
// nats-server, a gateway with a tenants file and a worker. Needs scripts/install-client-tools.sh
// (run by setup), not skipped. The same stack then runs clients/python/tests_batch_watch:
// BatchSubmitTasks and WatchTasks from Python (issue 15): per-entry errors, all-or-nothing,
// idempotency per request_id, a selector watch that follows later tasks, resume by
// after_sequence. One venv and one stack serve both suites.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "../helpers/client-process.js";
import { PythonStack } from "../helpers/python-client.js";

describe("Python client (clients/python)", () => {
  let py: PythonStack | undefined;

  beforeAll(async () => {
    py = await PythonStack.start();
  }, 180_000);

  afterAll(async () => {
    await py?.close();
  });

  it("passes its pytest suite: submit, watch with resume, run, recommend, upload (with timestamps: a sequential softmax; an export whose header orders the columns its own way), one-line errors", async () => {
    const run = await py!.pytest("tests", { RECFLOW_DEAD_TARGET: `127.0.0.1:${await freePort()}` }, 120_000);
    expect(run.code, `${run.stdout}\n${run.stderr}`).toBe(0);
    expect(run.stdout).toMatch(/^10 passed/m);
  }, 150_000);

  it("passes its batch/watch suite: partial batch, all-or-nothing, per-entry idempotency, selector watch, resume", async () => {
    const run = await py!.pytest("tests_batch_watch", {}, 300_000);
    expect(run.code, `${run.stdout}\n${run.stderr}`).toBe(0);
    expect(run.stdout).toMatch(/^5 passed/m);
  }, 330_000);
});
