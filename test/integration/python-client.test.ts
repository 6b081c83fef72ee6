// The Python client (clients/python) against a real stack: `pip install ./clients/python` into a
// venv over Debian's /usr/bin/python3 (python3-grpcio, setuptools; offline: --no-build-isolation
// --no-index), then its pytest suite (clients/python/tests) against
// nats-server, a gateway with a tenants file and a worker. Needs scripts/install-client-tools.sh
// (run by setup), not skipped.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { newToken } from "../../src/gateway/auth.js";
import { freePort, runProgram } from "../helpers/client-process.js";
import { Stack } from "../helpers/stack.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
/** Local wheels of this machine image (no PyPI here); overridable for other machines. */
const WHEELS = process.env.RECFLOW_PY_WHEELS ?? "/opt/pypi/files";

// Debian's python, not whatever pyenv puts on PATH: keep pyenv's variables out of its way.
const pyEnv: NodeJS.ProcessEnv = { ...process.env, PYTHONDONTWRITEBYTECODE: "1", PIP_DISABLE_PIP_VERSION_CHECK: "1" };
delete pyEnv.PYTHONPATH;
delete pyEnv.PYTHONHOME;

describe("Python client (clients/python)", () => {
  let dir: string;
  let python: string;
  let stack: Stack;
  const { token, hash } = newToken();

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "recflow-py-"));
    const venv = join(dir, "venv");
    python = join(venv, "bin/python");
    const made = await runProgram("/usr/bin/python3", ["-m", "venv", "--system-site-packages", venv], { env: pyEnv });
    if (made.code !== 0) throw new Error(`python3 -m venv failed; run scripts/install-client-tools.sh (as root):\n${made.stderr}`);
    // Debian 12 packages no googleapis-common-protos (google.rpc.Status, which tasks.proto uses), so
    // it comes from the machine's local wheel directory; it needs protobuf >= 6.33, which replaces
    // Debian's 4.21 in the venv (< 7: the newest that was tried with Debian's grpcio 1.51).
    const pip = await runProgram(python, ["-m", "pip", "install", "-q", "--no-build-isolation", "--no-index", "--find-links", WHEELS, "./clients/python", "protobuf<7"], { cwd: ROOT, env: pyEnv, timeoutMs: 120_000 });
    if (pip.code !== 0) throw new Error(`pip install ./clients/python failed (exit ${pip.code}):\n${pip.stderr}`);
    const tenants = join(dir, "tenants.json");
    writeFileSync(tenants, JSON.stringify({ tenants: { acme: { tokens: [hash] } } }));
    stack = await Stack.start({ workers: 1, env: { RECFLOW_TENANTS_FILE: tenants } });
  }, 180_000);

  afterAll(async () => {
    await stack?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("passes its pytest suite: submit, watch with resume, run, recommend, upload, one-line errors", async () => {
    const env = { ...pyEnv, RECFLOW_TARGET: stack.address, RECFLOW_TOKEN: token, RECFLOW_DEAD_TARGET: `127.0.0.1:${await freePort()}` };
    // Run from the tests folder so `import recflow` finds the installed package, not the source tree.
    const run = await runProgram(python, ["-m", "pytest", "-q", "-p", "no:cacheprovider", "."], { cwd: join(ROOT, "clients/python/tests"), env, timeoutMs: 120_000 });
    expect(run.code, `${run.stdout}\n${run.stderr}`).toBe(0);
    expect(run.stdout).toMatch(/^6 passed/m);
  }, 150_000);
});
