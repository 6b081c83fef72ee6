// Installs the Python client (clients/python) into a fresh venv for the tests that drive it from
// Python: `pip install ./clients/python` over Debian's /usr/bin/python3 (python3-grpcio,
// setuptools; offline: --no-build-isolation --no-index). Needs scripts/install-client-tools.sh
// (run by setup).
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { newToken } from "../../src/gateway/auth.js";
import { runProgram, type ProgramExit } from "./client-process.js";
import { Stack } from "./stack.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
/** Local wheels of this machine image (no PyPI here); overridable for other machines. */
const WHEELS = process.env.RECFLOW_PY_WHEELS ?? "/opt/pypi/files";

/** Debian's python, not whatever pyenv puts on PATH: pyenv's variables kept out of its way. */
function pythonEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, PYTHONDONTWRITEBYTECODE: "1", PIP_DISABLE_PIP_VERSION_CHECK: "1" };
  delete env.PYTHONPATH;
  delete env.PYTHONHOME;
  return env;
}

/** Makes a venv in `dir` with the client installed; returns its python. */
async function installPythonClient(dir: string): Promise<string> {
  const env = pythonEnv();
  const venv = join(dir, "venv");
  const python = join(venv, "bin/python");
  const made = await runProgram("/usr/bin/python3", ["-m", "venv", "--system-site-packages", venv], { env });
  if (made.code !== 0) throw new Error(`python3 -m venv failed; run scripts/install-client-tools.sh (as root):\n${made.stderr}`);
  // Debian 12 packages no googleapis-common-protos (google.rpc.Status, which tasks.proto uses), so
  // it comes from the machine's local wheel directory; it needs protobuf >= 6.33, which replaces
  // Debian's 4.21 in the venv (< 7: the newest that was tried with Debian's grpcio 1.51).
  const pip = await runProgram(python, ["-m", "pip", "install", "-q", "--no-build-isolation", "--no-index", "--find-links", WHEELS, "./clients/python", "protobuf<7"], { cwd: ROOT, env, timeoutMs: 120_000 });
  if (pip.code !== 0) throw new Error(`pip install ./clients/python failed (exit ${pip.code}):\n${pip.stderr}`);
  return python;
}

/**
 * A stack for a Python client suite: the venv with the client, nats-server, a gateway with a
 * tenants file holding one token, and a worker.
 */
export class PythonStack {
  private constructor(
    readonly dir: string,
    readonly python: string,
    readonly stack: Stack,
    readonly token: string,
  ) {}

  static async start(): Promise<PythonStack> {
    const dir = mkdtempSync(join(tmpdir(), "recflow-py-"));
    try {
      const python = await installPythonClient(dir);
      const { token, hash } = newToken();
      const tenants = join(dir, "tenants.json");
      writeFileSync(tenants, JSON.stringify({ tenants: { acme: { tokens: [hash] } } }));
      const stack = await Stack.start({ workers: 1, env: { RECFLOW_TENANTS_FILE: tenants } });
      return new PythonStack(dir, python, stack, token);
    } catch (err) {
      rmSync(dir, { recursive: true, force: true });
      throw err;
    }
  }

  /** Runs pytest in `folder` (below clients/python) with RECFLOW_TARGET, RECFLOW_TOKEN and `env` set. */
  pytest(folder: string, env: NodeJS.ProcessEnv, timeoutMs: number): Promise<ProgramExit> {
    const all = { ...pythonEnv(), RECFLOW_TARGET: this.stack.address, RECFLOW_TOKEN: this.token, ...env };
    // Run from the tests folder so `import recflow` finds the installed package, not the source tree.
    return runProgram(this.python, ["-m", "pytest", "-q", "-p", "no:cacheprovider", "."], { cwd: join(ROOT, "clients/python", folder), env: all, timeoutMs });
  }

  async close(): Promise<void> {
    await this.stack.close();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
