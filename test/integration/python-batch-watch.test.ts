// BatchSubmitTasks and WatchTasks used from Python (issue 15): the installed client's
// batch_submit and watch_tasks against a real stack (nats-server, a gateway with a tenants file, a
// worker), through clients/python/tests_batch_watch (pytest): per-entry errors, all-or-nothing,
// idempotency per request_id, a selector watch that follows later tasks, resume by after_sequence.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { newToken } from "../../src/gateway/auth.js";
import { runProgram } from "../helpers/client-process.js";
import { installPythonClient, pythonEnv, ROOT } from "../helpers/python-client.js";
import { Stack } from "../helpers/stack.js";

describe("Python client: batch submit and multi-task watch", () => {
  let dir: string;
  let python: string;
  let stack: Stack;
  const { token, hash } = newToken();

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "recflow-py-batch-"));
    python = await installPythonClient(dir);
    const tenants = join(dir, "tenants.json");
    writeFileSync(tenants, JSON.stringify({ tenants: { acme: { tokens: [hash] } } }));
    stack = await Stack.start({ workers: 1, env: { RECFLOW_TENANTS_FILE: tenants } });
  }, 180_000);

  afterAll(async () => {
    await stack?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("passes its pytest suite: partial batch, all-or-nothing, per-entry idempotency, selector watch, resume", async () => {
    const env = { ...pythonEnv(), RECFLOW_TARGET: stack.address, RECFLOW_TOKEN: token };
    // Run from the tests folder so `import recflow` finds the installed package, not the source tree.
    const run = await runProgram(python, ["-m", "pytest", "-q", "-p", "no:cacheprovider", "."], { cwd: join(ROOT, "clients/python/tests_batch_watch"), env, timeoutMs: 300_000 });
    expect(run.code, `${run.stdout}\n${run.stderr}`).toBe(0);
    expect(run.stdout).toMatch(/^5 passed/m);
  }, 330_000);
});
