// The Python example client (examples/python) against a real stack: Debian's /usr/bin/python3 with
// python3-grpcio submits a Probe task, streams its events and exits 0 on SUCCEEDED; the Node client
// then confirms the task it printed; it also sets and reads a model alias (ModelsService). Needs
// scripts/install-python-grpc.sh (run by setup), not skipped.
import { execFile, execFileSync } from "node:child_process";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Stack } from "../helpers/stack.js";
import { call, createDatasetsClient, createModelsClient, uploadDataset } from "../../src/api/client.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const PYTHON = "/usr/bin/python3";
const CLIENT = "examples/python/recflow_client.py";
const execFileAsync = promisify(execFile);

// Debian's python, not whatever pyenv puts on PATH: keep pyenv's variables out of its way.
const pyEnv: NodeJS.ProcessEnv = { ...process.env, PYTHONDONTWRITEBYTECODE: "1" };
delete pyEnv.PYTHONPATH;
delete pyEnv.PYTHONHOME;

interface PyRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the client; resolves with its exit code and output whatever the exit code. */
async function runClient(args: string[]): Promise<PyRun> {
  try {
    const { stdout, stderr } = await execFileAsync(PYTHON, [CLIENT, ...args], { cwd: ROOT, env: pyEnv, timeout: 60_000 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { code?: number | string; stdout?: string; stderr?: string; killed?: boolean; signal?: string };
    if (typeof e.code !== "number") throw new Error(`could not run ${PYTHON} ${CLIENT} (${String(e.code ?? e.signal)}${e.killed ? ", killed after 60 s" : ""}): ${e.message}\nstdout:\n${e.stdout ?? ""}\nstderr:\n${e.stderr ?? ""}`, { cause: err });
    return { code: e.code, stdout: e.stdout ?? "", stderr: e.stderr ?? "" };
  }
}

/** A localhost port with nothing listening on it (bound, then released). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      const port = typeof addr === "object" && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** Why /usr/bin/python3 cannot run the client, or undefined when it can. */
function pythonProblem(): string | undefined {
  try {
    execFileSync(PYTHON, ["-c", "import grpc, grpc_tools, google.protobuf"], { env: pyEnv, stdio: "pipe" });
    return undefined;
  } catch (err) {
    const stderr = String((err as { stderr?: Buffer }).stderr ?? (err as Error).message).trim();
    return `${PYTHON} cannot import grpc / grpc_tools / google.protobuf; run scripts/install-python-grpc.sh (as root) first.\n${stderr}`;
  }
}

describe("Python example client (examples/python)", () => {
  // A missing prerequisite fails every test with the fix (never a skip); gen.sh runs once.
  let problem: string | undefined;
  const requirePython = (): void => {
    if (problem) throw new Error(problem);
  };
  beforeAll(() => {
    problem = pythonProblem();
    if (!problem) execFileSync("bash", ["examples/python/gen.sh"], { cwd: ROOT, stdio: "pipe" });
  });

  it("has gRPC for /usr/bin/python3 (scripts/install-python-grpc.sh)", () => {
    requirePython();
  });

  describe("against a live stack", () => {
    let stack: Stack;
    beforeAll(async () => {
      if (problem) return;
      stack = await Stack.start({ workers: 1 });
    });
    afterAll(async () => {
      await stack?.close();
    });

    it("submits a Probe, streams its events to SUCCEEDED, and the task really exists", async () => {
    requirePython();
      const run = await runClient(["--target", stack.address, "probe", "--work-ms", "100"]);
      const context = `exit ${run.code}\nstdout:\n${run.stdout}\nstderr:\n${run.stderr}`;
      expect(run.code, context).toBe(0);
      const taskId = /^task_id: (\S+)$/m.exec(run.stdout)?.[1];
      expect(taskId, context).toMatch(/^[rt]_[0-9A-Z]+$/);
      const requestId = /^request_id: (\S+)$/m.exec(run.stdout)?.[1];
      expect(requestId, context).toMatch(/^py-/);
      expect(run.stdout).toMatch(/^final_state: SUCCEEDED$/m);

      const eventLines = run.stdout.split("\n").filter((l) => l.startsWith("event "));
      expect(eventLines[0]).toMatch(/ type=queued state=QUEUED /);
      expect(eventLines.at(-1)).toMatch(/ type=succeeded state=SUCCEEDED progress=1\.00$/);
      expect(run.stdout).toMatch(/^result: \{"probe":\{"attempt":1,"workMs":100,"workerId":"\S+"\}\}$/m);

      const task = await stack.get(taskId!);
      expect(task.status?.state).toBe("TASK_STATE_SUCCEEDED");
      expect(task.requestId).toBe(requestId);
      expect(task.spec?.probe?.workMs).toBe(100);
      expect(task.result?.probe?.workMs).toBe(100);
      // One printed line per event the gateway has for the task, in sequence order.
      const events = await stack.watch(taskId!);
      expect(eventLines.map((l) => Number(/ seq=(\d+) /.exec(l)?.[1]))).toEqual(events.map((e) => e.sequence));
    });
  });

  describe("model aliases against a live stack", () => {
    let stack: Stack;
    let modelId = "";
    beforeAll(async () => {
      if (problem) return;
      stack = await Stack.start({ workers: 1 });
      const datasets = createDatasetsClient(stack.address);
      try {
        await uploadDataset(datasets, { datasetId: "py" }, [new TextEncoder().encode("user,item\nu1,i1\nu1,i2\nu2,i1\nu3,i3\n")]);
      } finally {
        datasets.close();
      }
      const train = await stack.submit({ trainModel: { datasetId: "py", algorithm: "ALGORITHM_POPULARITY" } });
      modelId = (await stack.watch(train.id)).at(-1)?.succeeded?.result?.trainModel?.modelId ?? "";
    });
    afterAll(async () => {
      await stack?.close();
    });

    it("sets an alias with a compare-and-set and reads it back with its history, from the .proto's messages", async () => {
      requirePython();
      expect(modelId).toMatch(/^m_/);
      const set = await runClient(["--target", stack.address, "alias", "set", "py-prod", modelId, "--expected-revision", "0"]);
      expect(set.code, set.stderr).toBe(0);
      const revision = Number(/^alias: name=py-prod model_id=\S+ revision=(\d+)$/m.exec(set.stdout)?.[1]);
      expect(revision).toBeGreaterThan(0);
      const get = await runClient(["--target", stack.address, "alias", "get", "py-prod"]);
      expect(get.stdout).toBe(`alias: name=py-prod model_id=${modelId} revision=${revision}\nhistory: (new) -> ${modelId}\n`);
      const models = createModelsClient(stack.address);
      try {
        expect(await call(models.GetModelAlias.bind(models), { name: "py-prod" })).toMatchObject({ modelId, revision });
      } finally {
        models.close();
      }
      // A stale revision and a bad name: one-line errors, nothing stored.
      const stale = await runClient(["--target", stack.address, "alias", "set", "py-prod", modelId, "--expected-revision", "0"]);
      expect(stale.code).toBe(1);
      expect(stale.stderr.trim()).toMatch(/^recflow_client: ABORTED: /);
      const bad = await runClient(["--target", stack.address, "alias", "set", "Py_Prod", modelId]);
      expect(bad.code).toBe(1);
      expect(bad.stderr.trim()).toMatch(/^recflow_client: INVALID_ARGUMENT: name: /);
      expect((await runClient(["--target", stack.address, "alias", "get", "py-prod"])).stdout).toBe(get.stdout);
    });
  });

  it("exits non-zero with a one-line message and no traceback when nothing listens", async () => {
    requirePython();
    const port = await freePort();
    const run = await runClient(["--target", `127.0.0.1:${port}`, "probe", "--work-ms", "100"]);
    expect(run.code).not.toBe(0);
    expect(run.stdout).toBe("");
    expect(run.stderr).not.toContain("Traceback");
    const lines = run.stderr.trim().split("\n");
    expect(lines, run.stderr).toHaveLength(1);
    expect(lines[0]).toContain(`unavailable at 127.0.0.1:${port}`);
  });
});
