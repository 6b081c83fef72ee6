// The Python client (clients/python) against a real stack: `pip install ./clients/python` into a
// venv over Debian's /usr/bin/python3 (python3-grpcio, setuptools; offline: --no-build-isolation
// --no-index), then its pytest suite (clients/python/tests) against
// nats-server, a gateway with a tenants file and a worker. Needs scripts/install-client-tools.sh
// (run by setup), not skipped.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { newToken } from "../../src/gateway/auth.js";
import { freePort, runProgram } from "../helpers/client-process.js";
import { installPythonClient, pythonEnv, ROOT } from "../helpers/python-client.js";
import { Stack } from "../helpers/stack.js";

describe("Python client (clients/python)", () => {
  let dir: string;
  let python: string;
  let stack: Stack;
  const { token, hash } = newToken();

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "recflow-py-"));
    python = await installPythonClient(dir);
    const tenants = join(dir, "tenants.json");
    writeFileSync(tenants, JSON.stringify({ tenants: { acme: { tokens: [hash] } } }));
    stack = await Stack.start({ workers: 1, env: { RECFLOW_TENANTS_FILE: tenants } });
  }, 180_000);

  afterAll(async () => {
    await stack?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("passes its pytest suite: submit, watch with resume, run, recommend, upload, one-line errors", async () => {
    const env = { ...pythonEnv(), RECFLOW_TARGET: stack.address, RECFLOW_TOKEN: token, RECFLOW_DEAD_TARGET: `127.0.0.1:${await freePort()}` };
    // Run from the tests folder so `import recflow` finds the installed package, not the source tree.
    const run = await runProgram(python, ["-m", "pytest", "-q", "-p", "no:cacheprovider", "."], { cwd: join(ROOT, "clients/python/tests"), env, timeoutMs: 120_000 });
    expect(run.code, `${run.stdout}\n${run.stderr}`).toBe(0);
    expect(run.stdout).toMatch(/^6 passed/m);
  }, 150_000);
});
