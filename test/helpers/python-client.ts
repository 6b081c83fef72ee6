// Installs the Python client (clients/python) into a fresh venv for the tests that drive it from
// Python: `pip install ./clients/python` over Debian's /usr/bin/python3 (python3-grpcio,
// setuptools; offline: --no-build-isolation --no-index). Needs scripts/install-client-tools.sh
// (run by setup).
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { runProgram } from "./client-process.js";

export const ROOT = fileURLToPath(new URL("../../", import.meta.url));
/** Local wheels of this machine image (no PyPI here); overridable for other machines. */
const WHEELS = process.env.RECFLOW_PY_WHEELS ?? "/opt/pypi/files";

/** Debian's python, not whatever pyenv puts on PATH: pyenv's variables kept out of its way. */
export function pythonEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, PYTHONDONTWRITEBYTECODE: "1", PIP_DISABLE_PIP_VERSION_CHECK: "1" };
  delete env.PYTHONPATH;
  delete env.PYTHONHOME;
  return env;
}

/** Makes a venv in `dir` with the client installed; returns its python. */
export async function installPythonClient(dir: string): Promise<string> {
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
