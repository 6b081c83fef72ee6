// RecflowClient (src/client) against a real stack: typed runs and helpers, a watch that resumes by
// itself when the gateway is SIGKILLed and a new one starts on the same port (no gap, no repeat),
// AbortSignal, typed errors for FAILED / CANCELLED, runMany over BatchSubmitTasks + WatchTasks, and
// one-line errors that say what to fix for a wrong token, no gateway, and a wrong TLS CA.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { status as Code } from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  AuthenticationError, GatewayUnavailableError, RecflowClient, RecflowError, TaskCancelledError, TaskFailedError, TlsHandshakeError,
  type TaskEvent,
} from "../../src/client/index.js";
import { newToken } from "../../src/gateway/auth.js";
import { freePort, runProgram } from "../helpers/client-process.js";
import { makeTestCerts, type TestCerts } from "../helpers/certs.js";
import { metricValue } from "../helpers/metrics.js";
import { Stack, spawnRecflow, stopProc, waitFor, type Proc } from "../helpers/stack.js";

const CLI = fileURLToPath(new URL("../../dist/cli/main.js", import.meta.url));
/** The suite's own gateway: metrics on, and a submit rate the burst of short runs below stays under. */
const GATEWAY_ENV = { RECFLOW_METRICS_ADDRESS: "127.0.0.1:0", RECFLOW_TENANT_SUBMIT_RATE: "100000" };

describe("RecflowClient", () => {
  let dir: string;
  let stack: Stack;
  let gateway: Proc | undefined;
  let address = "";
  let rf: RecflowClient;
  const { token, hash } = newToken();

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "recflow-client-"));
    const tenants = join(dir, "tenants.json");
    writeFileSync(tenants, JSON.stringify({ tenants: { acme: { tokens: [hash] } } }));
    stack = await Stack.start({ workers: 1, env: { RECFLOW_TENANTS_FILE: tenants } });
    // A gateway of our own on a fixed port, so a restart comes back at the same address.
    address = `127.0.0.1:${await freePort()}`;
    gateway = await spawnRecflow("gateway-client", ["gateway"], { ...stack.env, ...GATEWAY_ENV, RECFLOW_GRPC_ADDRESS: address });
    rf = new RecflowClient(address, { token, reconnectMaxMs: 500 });
  }, 60_000);

  afterAll(async () => {
    rf?.close();
    if (gateway) await stopProc(gateway, "SIGKILL");
    await stack?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("runs a Probe to SUCCEEDED and returns its typed result", async () => {
    const run = await rf.run({ probe: { workMs: 50, progressSteps: 2 } }, { labels: { suite: "client" } });
    expect(run.result.probe?.workMs).toBe(50);
    expect(run.attempt).toBe(1);
    const task = await rf.getTask(run.taskId);
    expect(task.status?.state).toBe("TASK_STATE_SUCCEEDED");
    // The caller's labels, and the one that routes the run to this client's shared stream.
    expect(task.spec?.labels).toEqual({ suite: "client", "recflow.dev/listener": expect.stringMatching(/^l/) as string });
  });

  it("follows concurrent runs on one shared WatchTasks stream, across a SIGKILLed gateway", async () => {
    // One worker thread runs them one after another (~6 s), so most are queued when the gateway dies.
    const runs = Array.from({ length: 8 }, (_, i) => rf.run({ probe: { workMs: 700 + i * 10, progressSteps: 2 } }));
    // Eight runs in flight, one stream on the gateway for all of them (a WatchTask each before).
    await waitFor(async () => (await metricValue(gateway!.ready.metricsPort, "recflow_gateway_active_watches")) === 1, 10_000, "one open watch");
    await waitFor(async () => (await rf.listTasks({ state: "TASK_STATE_RUNNING" })).tasks.length > 0, 10_000, "a run under way");
    await stopProc(gateway!, "SIGKILL");
    gateway = await spawnRecflow("gateway-client-3", ["gateway"], { ...stack.env, ...GATEWAY_ENV, RECFLOW_GRPC_ADDRESS: address });
    const done = await Promise.all(runs);
    expect(done.map((r) => r.result.probe?.workMs)).toEqual(Array.from({ length: 8 }, (_, i) => 700 + i * 10));
    expect(new Set(done.map((r) => r.taskId)).size).toBe(8);
  }, 60_000);

  it("runs 1,500 short tasks, each on its own WatchTask, without the gateway closing the connection", async () => {
    // Each finished watch used to be cancelled (RST_STREAM) before the gateway's end of stream
    // arrived; nghttp2 closes a connection after 1000 such resets plus ~33 a second (GOAWAY
    // INTERNAL_ERROR), and every call on it failed. A complete watch is now left to end.
    const alone = new RecflowClient(address, { token, multiplexRuns: false });
    try {
      let next = 0;
      const failures: unknown[] = [];
      await Promise.all(Array.from({ length: 64 }, async () => {
        while (next < 1_500) {
          next++;
          await alone.run({ probe: { workMs: 0 } }).catch((e: unknown) => failures.push(e));
        }
      }));
      expect(failures.slice(0, 3)).toEqual([]);
    } finally {
      alone.close();
    }
  }, 60_000);

  it("follows a run on its own stream when asked (multiplexRuns off) or when it names a request id", async () => {
    const alone = new RecflowClient(address, { token, reconnectMaxMs: 500, multiplexRuns: false });
    try {
      const run = await alone.run({ probe: { workMs: 20 } }, { labels: { suite: "alone" } });
      expect((await alone.getTask(run.taskId)).spec?.labels).toEqual({ suite: "alone" });
    } finally {
      alone.close();
    }
    const keyed = await rf.run({ probe: { workMs: 20 } }, { requestId: `keyed-${Date.now()}` });
    expect((await rf.getTask(keyed.taskId)).spec?.labels).toEqual({});
  });

  it("resumes a watch across a SIGKILLed gateway and a new one on the same port, without gaps or repeats", async () => {
    const task = await rf.submit({ probe: { workMs: 3000, progressSteps: 10 } });
    const seen: TaskEvent[] = [];
    let restarted = false;
    for await (const ev of rf.watch(task.id)) {
      seen.push(ev);
      if (!restarted && ev.event === "progress") {
        restarted = true;
        await stopProc(gateway!, "SIGKILL");
        gateway = await spawnRecflow("gateway-client-2", ["gateway"], { ...stack.env, ...GATEWAY_ENV, RECFLOW_GRPC_ADDRESS: address });
      }
    }
    expect(restarted).toBe(true);
    expect(seen.at(-1)?.event).toBe("succeeded");
    // Every event the gateway has for the task, once each, in order.
    const replay: number[] = [];
    for await (const ev of rf.watch(task.id)) replay.push(Number(ev.sequence));
    expect(seen.map((e) => Number(e.sequence))).toEqual(replay);
  }, 60_000);

  it("resumes from afterSequence", async () => {
    const run = await rf.run({ probe: { workMs: 10, progressSteps: 2 } });
    const all: number[] = [];
    for await (const ev of rf.watch(run.taskId)) all.push(Number(ev.sequence));
    const rest: number[] = [];
    for await (const ev of rf.watch(run.taskId, { afterSequence: all[1] })) rest.push(Number(ev.sequence));
    expect(rest).toEqual(all.slice(2));
  });

  it("stops a watch when its signal aborts and a submit whose signal already aborted", async () => {
    const task = await rf.submit({ probe: { workMs: 5000, progressSteps: 50 } });
    const ac = new AbortController();
    const got: string[] = [];
    const watching = (async () => {
      for await (const ev of rf.watch(task.id, { signal: ac.signal })) {
        got.push(ev.event ?? "");
        if (ev.event === "progress") ac.abort(new Error("enough"));
      }
    })();
    await expect(watching).rejects.toThrow("enough");
    expect(got).toContain("progress");
    expect(got).not.toContain("succeeded");
    await expect(rf.submit({ probe: { workMs: 1 } }, { signal: AbortSignal.abort() })).rejects.toMatchObject({ name: "AbortError" });
    await rf.cancel(task.id, "test done");
  });

  it("throws TaskFailedError with the task's reason, and TaskCancelledError for a cancelled task", async () => {
    const failed = await rf.run({ probe: { workMs: 1, failAttempts: 5, permanentError: true } }).catch((e: unknown) => e);
    expect(failed).toBeInstanceOf(TaskFailedError);
    expect((failed as TaskFailedError).message).not.toContain("\n");
    expect((failed as TaskFailedError).reason).not.toBe("");

    const task = await rf.submit({ probe: { workMs: 10_000, progressSteps: 20 } });
    const running = rf.follow(task.id).catch((e: unknown) => e);
    await waitFor(async () => (await rf.getTask(task.id)).status?.state === "TASK_STATE_RUNNING", 20_000, "the probe to run");
    await rf.cancel(task.id, "changed my mind");
    const cancelled = await running;
    expect(cancelled).toBeInstanceOf(TaskCancelledError);
    expect((cancelled as TaskCancelledError).reason).toBe("changed my mind");
  });

  it("gives a RecflowError with the gRPC code for a bad request", async () => {
    const err = await rf.submit({ trainModel: { datasetId: "../etc", algorithm: "ALGORITHM_ALS" } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RecflowError);
    expect((err as RecflowError).code).toBe(Code.INVALID_ARGUMENT);
    expect((err as RecflowError).message).toMatch(/^recflow: INVALID_ARGUMENT: .*dataset_id/);
  });

  it("uploads rows, trains, and collects recommend and similarItems chunks into typed answers", async () => {
    const rows = [];
    for (let u = 0; u < 40; u++) for (let i = 0; i < 6; i++) rows.push({ user: `u${u}`, item: `i${(u + i * 3) % 25}` });
    const dataset = await rf.uploadDataset(rows, { datasetId: "client-rows", displayName: "rows, quoted \"ids\", too" });
    expect(dataset.users).toBe(40);
    expect(await rf.getDataset("client-rows")).toMatchObject({ id: "client-rows", users: 40 });

    const trained = await rf.run({ trainModel: { datasetId: "client-rows", algorithm: "ALGORITHM_ITEM_KNN", promoteTo: "client-best" } });
    const modelId = trained.result.trainModel?.modelId ?? "";
    expect(modelId).not.toBe("");
    expect((await rf.getAlias("client-best")).modelId).toBe(modelId);

    const users = ["u1", "u2", "u3", "someone-new"];
    const recs = await rf.recommend({ alias: "client-best", userIds: users, k: 3 });
    expect(recs.users.map((u) => u.userId)).toEqual(users);
    expect(recs.users[0].items).toHaveLength(3);
    expect(recs.users.at(-1)?.coldStart).toBe(true);
    expect(recs.result.users).toBe(users.length);

    const similar = await rf.similarItems({ modelId, itemIds: ["i1", "i2", "nope"], k: 2 });
    expect(similar.items.map((n) => n.itemId)).toEqual(["i1", "i2", "nope"]);
    expect(similar.items[2].unknown).toBe(true);
    expect(similar.result.unknownItems).toBe(1);
  }, 60_000);

  it("runs many tasks with BatchSubmitTasks and one WatchTasks stream, one outcome per spec in order", async () => {
    const specs = [
      ...Array.from({ length: 20 }, (_, i) => ({ probe: { workMs: 10 + i } })),
      { probe: { workMs: 1, failAttempts: 5, permanentError: true } },
      { trainModel: { datasetId: "../bad", algorithm: "ALGORITHM_ALS" as const } },
    ];
    const out = await rf.runMany(specs);
    expect(out).toHaveLength(specs.length);
    out.slice(0, 20).forEach((o, i) => {
      expect(o.status).toBe("fulfilled");
      if (o.status === "fulfilled") expect(o.value.result.probe?.workMs).toBe(10 + i);
    });
    expect(out[20]).toMatchObject({ status: "rejected", reason: expect.any(TaskFailedError) as unknown });
    expect(out[21]).toMatchObject({ status: "rejected", reason: { code: Code.INVALID_ARGUMENT } });
  }, 60_000);

  it("drives the CLI: submit --watch and watch stream through the client; a wrong token is one line", async () => {
    const env = { ...process.env, RECFLOW_TOKEN: token };
    const run = await runProgram(process.execPath, [CLI, "submit", "probe", "--work-ms", "50", "--watch", "-a", address], { env, timeoutMs: 30_000 });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/"workMs": 50/);
    const taskId = /^task (\S+)$/m.exec(run.stderr)?.[1] ?? "";
    const again = await runProgram(process.execPath, [CLI, "watch", taskId, "-a", address], { env, timeoutMs: 30_000 });
    expect(again.code, again.stderr).toBe(0);
    const printed = again.stderr.split("\n").filter((l) => l.startsWith("#")).map((l) => Number(/^#(\d+)/.exec(l)?.[1]));
    const replay: number[] = [];
    for await (const ev of rf.watch(taskId)) replay.push(Number(ev.sequence));
    expect(printed).toEqual(replay);

    const wrong = await runProgram(process.execPath, [CLI, "get", taskId, "-a", address], { env: { ...process.env, RECFLOW_TOKEN: "rf_wrong" }, timeoutMs: 30_000 });
    expect(wrong.code).toBe(1);
    expect(wrong.stderr.trim()).toMatch(/^error: the gateway at 127\.0\.0\.1:\d+ refused the token \(.*\): pass a token from its RECFLOW_TENANTS_FILE/);
    expect(wrong.stderr.trim()).not.toContain("\n");
  }, 60_000);

  it("says what to fix in one line: a wrong token, and an address where nothing listens", async () => {
    await using wrong = new RecflowClient(address, { token: "rf_not-a-real-token" });
    const auth = await wrong.submit({ probe: { workMs: 1 } }).catch((e: unknown) => e);
    expect(auth).toBeInstanceOf(AuthenticationError);
    expect((auth as Error).message).toMatch(/^recflow: the gateway at 127\.0\.0\.1:\d+ refused the token \(.*\): pass a token from its RECFLOW_TENANTS_FILE/);
    expect((auth as Error).message).not.toContain("\n");
    // A watch is not retried on UNAUTHENTICATED either.
    await expect((async () => {
      for await (const ev of wrong.watch("t_00000000000000000000000000")) void ev;
    })()).rejects.toBeInstanceOf(AuthenticationError);

    const nowhere = `127.0.0.1:${await freePort()}`;
    await using nothing = new RecflowClient(nowhere, { reconnectTimeoutMs: 1_000 });
    const down = await nothing.submit({ probe: { workMs: 1 } }).catch((e: unknown) => e);
    expect(down).toBeInstanceOf(GatewayUnavailableError);
    expect((down as Error).message).toMatch(new RegExp(`^recflow: nothing answers at ${nowhere} \\(.*\\): start the gateway`));
    expect((down as Error).message).not.toContain("\n");
    // The watch keeps trying for reconnectTimeoutMs, then gives the same error.
    const t0 = Date.now();
    await expect((async () => {
      for await (const ev of nothing.watch("t_00000000000000000000000000")) void ev;
    })()).rejects.toBeInstanceOf(GatewayUnavailableError);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1_000);
  });
});

describe("RecflowClient over TLS", () => {
  let certs: TestCerts;
  let stack: Stack;

  beforeAll(async () => {
    certs = makeTestCerts();
    stack = await Stack.start({ workers: 0, env: { RECFLOW_TLS_CERT_FILE: certs.serverCert, RECFLOW_TLS_KEY_FILE: certs.serverKey } });
  }, 60_000);
  afterAll(async () => {
    await stack?.close();
    certs?.remove();
  });

  it("submits with the right CA, and says what to fix in one line with a wrong one", async () => {
    await using ok = new RecflowClient(stack.address, { tls: { caFile: certs.caCert } });
    await expect(ok.submit({ probe: { workMs: 1 } })).resolves.toHaveProperty("id");

    await using rogue = new RecflowClient(stack.address, { tls: { caFile: certs.rogueCert } });
    const err = await rogue.submit({ probe: { workMs: 1 } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TlsHandshakeError);
    expect((err as Error).message).toMatch(/^recflow: TLS with 127\.0\.0\.1:\d+ failed \(.*\): pass the CA that signed the gateway's certificate/);
    expect((err as Error).message).not.toContain("\n");
    // Not retried: a bad CA does not get better.
    const t0 = Date.now();
    await expect((async () => {
      for await (const ev of rogue.watch("t_00000000000000000000000000")) void ev;
    })()).rejects.toBeInstanceOf(TlsHandshakeError);
    expect(Date.now() - t0).toBeLessThan(5_000);
  });
});
