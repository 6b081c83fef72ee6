// The Go client (clients/go) against a real stack: the example program, built offline from
// Debian's Go packages by scripts/go-client.sh, submits a Probe, streams its events, and resumes
// the watch by itself when the gateway is restarted mid-task; a client pointed at nothing or
// holding a wrong token exits 1 with one line that says what to fix. Needs
// scripts/install-client-tools.sh (run by setup), not skipped.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTasksClient } from "../../src/api/client.js";
import { newToken } from "../../src/gateway/auth.js";
import { ClientProgram, freePort, runProgram } from "../helpers/client-process.js";
import { Stack, collectWatch, spawnRecflow, stopProc, type Proc } from "../helpers/stack.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

describe("Go client (clients/go)", () => {
  let dir: string;
  let example: string;
  let stack: Stack;
  let gateway: Proc | undefined;
  let address = "";
  const { token, hash } = newToken();

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "recflow-go-"));
    example = join(dir, "recflow-example");
    const started = Date.now();
    const build = await runProgram("bash", ["scripts/go-client.sh", "build", example], { cwd: ROOT, timeoutMs: 300_000 });
    if (build.code !== 0) throw new Error(`scripts/go-client.sh build failed (exit ${build.code}):\n${build.stderr}`);
    console.info(`go client: built in ${Date.now() - started} ms`);
    const tenants = join(dir, "tenants.json");
    writeFileSync(tenants, JSON.stringify({ tenants: { acme: { tokens: [hash] } } }));
    stack = await Stack.start({ workers: 1, env: { RECFLOW_TENANTS_FILE: tenants } });
    // A gateway of our own on a fixed port, so a restart comes back at the same address.
    address = `127.0.0.1:${await freePort()}`;
    gateway = await spawnRecflow("gateway-go", ["gateway"], { ...stack.env, RECFLOW_GRPC_ADDRESS: address });
  }, 360_000);

  afterAll(async () => {
    if (gateway) await stopProc(gateway, "SIGKILL");
    await stack?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("submits a Probe, streams it to SUCCEEDED and resumes the watch across a gateway restart, without gaps or repeats", async () => {
    const program = new ClientProgram(example, ["-target", address, "-token", token, "-work-ms", "3000", "-progress-steps", "10"]);
    try {
      await program.waitForLine(/^event seq=\d+ state=TASK_STATE_RUNNING progress=0\.[1-9]/, 20_000);
      expect(await stopProc(gateway!, "SIGTERM")).toEqual({ code: 0, signal: null });
      gateway = await spawnRecflow("gateway-go-2", ["gateway"], { ...stack.env, RECFLOW_GRPC_ADDRESS: address });
      const run = await program.exit(60_000);
      const context = `exit ${run.code}\nstdout:\n${run.stdout}\nstderr:\n${run.stderr}`;
      expect(run.code, context).toBe(0);
      expect(run.stdout, context).toMatch(/^resume after_sequence=\d+$/m);
      expect(run.stdout).toMatch(/^result: \{"probe":\{.*"workMs":3000/m);

      const taskId = /^task_id: (\S+)$/m.exec(run.stdout)?.[1] ?? "";
      const printed = run.stdout.split("\n").filter((l) => l.startsWith("event ")).map((l) => Number(/seq=(\d+)/.exec(l)?.[1]));
      // Every event the gateway has for the task, once each, in order.
      const client = createTasksClient(address, {}, { token });
      const events = await collectWatch(client, taskId).finally(() => client.close());
      expect(printed).toEqual(events.map((e) => Number(e.sequence)));
      expect(events.at(-1)?.event).toBe("succeeded");
    } finally {
      program.child.kill("SIGKILL");
    }
  });

  it("exits 1 with one line naming the address when nothing listens there", async () => {
    const port = await freePort();
    const run = await runProgram(example, ["-target", `127.0.0.1:${port}`], { timeoutMs: 30_000 });
    expect(run.code).toBe(1);
    expect(run.stdout).toBe("");
    expect(run.stderr.trimEnd().split("\n"), run.stderr).toHaveLength(1);
    expect(run.stderr).toMatch(new RegExp(`^recflow: nothing answers at 127\\.0\\.0\\.1:${port} .*: start the gateway`));
  });

  it("exits 1 with one line saying the token was refused and where tokens come from", async () => {
    const run = await runProgram(example, ["-target", address, "-token", "rf_wrong"], { timeoutMs: 30_000 });
    expect(run.code).toBe(1);
    expect(run.stdout).toBe("");
    expect(run.stderr.trimEnd().split("\n"), run.stderr).toHaveLength(1);
    expect(run.stderr).toMatch(/^recflow: the gateway at \S+ refused the token \(invalid bearer token\): pass a token from its RECFLOW_TENANTS_FILE/);
  });
});
