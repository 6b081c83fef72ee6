import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { status as Code, type ServiceError } from "@grpc/grpc-js";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  call, createDatasetsClient, createModelsClient, createTasksClient, uploadDataset,
  type DatasetsServiceClient, type ModelsServiceClient, type TasksServiceClient,
} from "../../src/api/client.js";
import type { Task__Output } from "../../src/generated/recflow/v1/Task.js";
import type { TaskSpec } from "../../src/generated/recflow/v1/TaskSpec.js";
import type { Dataset__Output } from "../../src/generated/recflow/v1/Dataset.js";
import type { BatchSubmitTasksResponse__Output } from "../../src/generated/recflow/v1/BatchSubmitTasksResponse.js";
import { newToken } from "../../src/gateway/auth.js";
import { FAST_ENV, Stack, codeOf, collectWatch, healthClient, servingStatus, spawnRecflow, terminalEvents, waitFor } from "../helpers/stack.js";
import { retryDelayMs } from "../helpers/status.js";

interface Tenant {
  token: string;
  tasks: TasksServiceClient;
  datasets: DatasetsServiceClient;
  models: ModelsServiceClient;
}

const enc = new TextEncoder();
const CSV = "user,item\nu1,a\nu1,b\nu2,a\nu3,c\nu2,b\n";

describe("tenants: bearer tokens, isolation, per-tenant limits", () => {
  let stack: Stack;
  let dir: string;
  let file: string;
  const hashes: Record<string, string> = {};
  const t: Record<string, Tenant> = {};
  const open: { close(): void }[] = [];

  function clients(address: string, token: string): Tenant {
    const sec = { token };
    const c = { token, tasks: createTasksClient(address, {}, sec), datasets: createDatasetsClient(address, {}, sec), models: createModelsClient(address, {}, sec) };
    open.push(c.tasks, c.datasets, c.models);
    return c;
  }

  function tenantsFile(overrides: Record<string, string[]> = {}): string {
    const tokens = (name: string): string[] => overrides[name] ?? [hashes[name]];
    return JSON.stringify({
      tenants: {
        acme: { tokens: tokens("acme") },
        globex: { tokens: tokens("globex") },
        throttled: { tokens: tokens("throttled"), limits: { submitRatePerSec: 2, submitBurst: 3 } },
        small: { tokens: tokens("small"), limits: { maxQueuedTasks: 2, maxWatches: 2, maxDatasetBytes: 2048 } },
      },
    });
  }

  beforeAll(async () => {
    const tokens: Record<string, string> = {};
    for (const name of ["acme", "globex", "throttled", "small"]) {
      const { token, hash } = newToken();
      tokens[name] = token;
      hashes[name] = hash;
    }
    dir = mkdtempSync(join(tmpdir(), "recflow-tenants-"));
    file = join(dir, "tenants.json");
    writeFileSync(file, tenantsFile());
    stack = await Stack.start({ workers: 1, env: { RECFLOW_TENANTS_FILE: file } });
    for (const [name, token] of Object.entries(tokens)) t[name] = clients(stack.address, token);
  });
  afterAll(async () => {
    for (const c of open) c.close();
    await stack?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const submit = (who: Tenant, task: TaskSpec, requestId = ""): Promise<Task__Output> =>
    call(who.tasks.SubmitTask.bind(who.tasks), { requestId, task }, { deadlineMs: 10_000 });
  const get = (who: Tenant, taskId: string): Promise<Task__Output> => call(who.tasks.GetTask.bind(who.tasks), { taskId }, { deadlineMs: 10_000 });

  it("answers UNAUTHENTICATED without a token or with a wrong one, on every service; health stays open", async () => {
    const anonymousTasks = stack.client;
    const wrong = clients(stack.address, "rf_not-a-real-token");
    for (const c of [anonymousTasks, wrong.tasks]) {
      expect(await codeOf(call(c.SubmitTask.bind(c), { requestId: "", task: { probe: {} } }))).toBe(Code.UNAUTHENTICATED);
      expect(await codeOf(call(c.ListTasks.bind(c), {}))).toBe(Code.UNAUTHENTICATED);
      expect(await codeOf(collectWatch(c, "t_00000000000000000000000000", 0, 5_000))).toBe(Code.UNAUTHENTICATED);
    }
    expect(await codeOf(call(wrong.datasets.ListDatasets.bind(wrong.datasets), {}))).toBe(Code.UNAUTHENTICATED);
    expect(await codeOf(uploadDataset(wrong.datasets, { datasetId: "x" }, [enc.encode(CSV)]))).toBe(Code.UNAUTHENTICATED);
    expect(await codeOf(call(wrong.models.ListModels.bind(wrong.models), {}))).toBe(Code.UNAUTHENTICATED);
    const health = healthClient(stack.address);
    expect(await servingStatus(health)).toBe("SERVING");
    health.close();
    expect(await stack.streamMessages("RECFLOW_TASKS")).toBe(0);
  });

  it("keeps tasks apart: another tenant's id is NOT_FOUND everywhere and never listed", async () => {
    const mine = await submit(t.acme, { probe: { workMs: 1 } }, "same-request");
    const theirs = await submit(t.globex, { probe: { workMs: 1 } }, "same-request");
    expect(theirs.id).not.toBe(mine.id); // request ids are scoped to the tenant
    expect(terminalEvents(await collectWatch(t.acme.tasks, mine.id))).toHaveLength(1);
    expect(await codeOf(get(t.globex, mine.id))).toBe(Code.NOT_FOUND);
    expect(await codeOf(collectWatch(t.globex.tasks, mine.id, 0, 5_000))).toBe(Code.NOT_FOUND);
    expect(await codeOf(call(t.globex.tasks.CancelTask.bind(t.globex.tasks), { taskId: mine.id, reason: "" }))).toBe(Code.NOT_FOUND);
    const listed = await call<object, { tasks: Task__Output[] }>(t.globex.tasks.ListTasks.bind(t.globex.tasks), {});
    // Contains and lacks rather than equals: globex's tasks of other tests may be listed too.
    expect(listed.tasks.map((x) => x.id)).toContain(theirs.id);
    expect(listed.tasks.map((x) => x.id)).not.toContain(mine.id);
    expect((await get(t.acme, mine.id)).status?.state).toBe("TASK_STATE_SUCCEEDED");
  });

  it("keeps datasets and models apart, in the API and in what workers load", async () => {
    const d = await uploadDataset<Dataset__Output>(t.acme.datasets, { datasetId: "ratings" }, [enc.encode(CSV)]);
    expect(d.users).toBe(3);
    expect(await codeOf(call(t.globex.datasets.GetDataset.bind(t.globex.datasets), { datasetId: "ratings" }))).toBe(Code.NOT_FOUND);
    expect(await codeOf(call(t.globex.datasets.DeleteDataset.bind(t.globex.datasets), { datasetId: "ratings" }))).toBe(Code.NOT_FOUND);
    const theirList = await call<object, { datasets: Dataset__Output[] }>(t.globex.datasets.ListDatasets.bind(t.globex.datasets), {});
    expect(theirList.datasets).toEqual([]);
    // The same id in another tenant is another dataset (no ALREADY_EXISTS that would leak the name).
    const own = await uploadDataset<Dataset__Output>(t.globex.datasets, { datasetId: "ratings" }, [enc.encode("user,item\nx,y\n")]);
    expect(own.users).toBe(1);

    const train = await submit(t.acme, { trainModel: { datasetId: "ratings", algorithm: "ALGORITHM_POPULARITY" } });
    const trained = (await collectWatch(t.acme.tasks, train.id)).at(-1)?.succeeded?.result?.trainModel;
    expect(trained?.modelId).toMatch(/^m_/);
    const modelId = trained!.modelId;
    expect(await codeOf(call(t.globex.models.GetModel.bind(t.globex.models), { modelId }))).toBe(Code.NOT_FOUND);
    // A worker runs globex's task as globex: acme's model is not there for it.
    const stolen = await submit(t.globex, { recommend: { modelId, userIds: ["u1"], k: 2 } });
    expect((await collectWatch(t.globex.tasks, stolen.id)).at(-1)?.failed?.error).toMatchObject({ code: Code.NOT_FOUND, retryable: false });
    expect((await call<object, { models: { id: string }[] }>(t.globex.models.ListModels.bind(t.globex.models), {})).models).toEqual([]);
  });

  it("throttles submits with a token bucket: RESOURCE_EXHAUSTED with RetryInfo, other tenants unaffected", async () => {
    const results = await Promise.allSettled(Array.from({ length: 5 }, () => submit(t.throttled, { probe: { workMs: 1 } })));
    const refused = results.filter((r): r is PromiseRejectedResult => r.status === "rejected").map((r) => r.reason as ServiceError);
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(3);
    expect(refused.map((e) => e.code)).toEqual([Code.RESOURCE_EXHAUSTED, Code.RESOURCE_EXHAUSTED]);
    const delay = retryDelayMs(refused[0]);
    expect(delay).toBeGreaterThan(0);
    expect(delay).toBeLessThanOrEqual(500);
    await expect(submit(t.acme, { probe: { workMs: 1 } })).resolves.toHaveProperty("id");
    await new Promise((r) => setTimeout(r, delay! + 20));
    await expect(submit(t.throttled, { probe: { workMs: 1 } })).resolves.toHaveProperty("id");
  });

  it("refuses the batch entries over the submit rate with the error SubmitTask gives one task", async () => {
    await new Promise((r) => setTimeout(r, 1_600)); // a full bucket again: burst 3 at 2/s
    const batch = (who: Tenant, n: number): Promise<BatchSubmitTasksResponse__Output> =>
      call(who.tasks.BatchSubmitTasks.bind(who.tasks), { requests: Array.from({ length: n }, () => ({ task: { probe: { workMs: 1 } } })) }, { deadlineMs: 10_000 });
    const res = await batch(t.throttled, 5);
    expect(res.results.map((r) => r.result)).toEqual(["task", "task", "task", "error", "error"]);
    const alone = (await submit(t.throttled, { probe: { workMs: 1 } }).catch((e: unknown) => e)) as ServiceError;
    const wording = /^tenant throttled is over its submit rate of 2\/s; retry in \d+ ms$/;
    expect(alone.code).toBe(Code.RESOURCE_EXHAUSTED);
    expect(alone.details).toMatch(wording);
    for (const r of res.results.slice(3)) {
      expect(r.error?.code).toBe(Code.RESOURCE_EXHAUSTED);
      expect(r.error?.message).toMatch(wording);
    }
  });

  it("limits queued tasks and open watches per tenant, and frees them as tasks end and watches close", async () => {
    const long = await Promise.all([1, 2].map(() => submit(t.small, { probe: { workMs: 30_000 } })));
    const err = (await submit(t.small, { probe: {} }).catch((e: unknown) => e)) as ServiceError;
    expect(err.code).toBe(Code.RESOURCE_EXHAUSTED);
    expect(err.details).toMatch(/2 tasks queued or running/);
    await expect(submit(t.acme, { probe: { workMs: 1 } })).resolves.toBeDefined();

    const w1 = t.small.tasks.WatchTask({ taskId: long[0].id, afterSequence: 0 });
    const w2 = t.small.tasks.WatchTask({ taskId: long[1].id, afterSequence: 0 });
    w1.on("error", () => undefined);
    w2.on("error", () => undefined);
    await Promise.all([w1, w2].map((w) => new Promise((r) => w.once("data", r))));
    expect(await codeOf(collectWatch(t.small.tasks, long[0].id, 0, 5_000))).toBe(Code.RESOURCE_EXHAUSTED);
    w1.cancel();
    const w3 = await waitFor(async () => {
      const w = t.small.tasks.WatchTask({ taskId: long[0].id, afterSequence: 0 });
      const ok = await new Promise<boolean>((r) => {
        w.once("data", () => r(true));
        w.once("error", () => r(false));
      });
      return ok ? w : (w.cancel(), undefined);
    }, 5_000, "a watch slot freed by the cancelled one");
    w3.on("error", () => undefined);
    w3.cancel();
    w2.cancel();

    for (const task of long) await call(t.small.tasks.CancelTask.bind(t.small.tasks), { taskId: task.id, reason: "test" });
    const next = await waitFor(() => submit(t.small, { probe: { workMs: 1 } }).catch(() => undefined), 15_000, "queue slots freed by cancelled tasks");
    expect(terminalEvents(await collectWatch(t.small.tasks, next.id))).toHaveLength(1);
  });

  it("caps a tenant's dataset size below the gateway's, storing nothing", async () => {
    const before = (await stack.jsm.streams.info("OBJ_recflow-datasets")).state.messages;
    const big = enc.encode(`user,item\n${Array.from({ length: 400 }, (_, i) => `user${i},item${i}`).join("\n")}\n`);
    expect(big.length).toBeGreaterThan(2048);
    expect(await codeOf(uploadDataset(t.small.datasets, { datasetId: "too-big" }, [big.subarray(0, 1500), big.subarray(1500)]))).toBe(Code.RESOURCE_EXHAUSTED);
    expect(await codeOf(call(t.small.datasets.GetDataset.bind(t.small.datasets), { datasetId: "too-big" }))).toBe(Code.NOT_FOUND);
    expect((await stack.jsm.streams.info("OBJ_recflow-datasets")).state.messages).toBe(before);
  });

  it("refuses to start with a tenants file that holds a plain token, naming the fix", async () => {
    const bad = join(dir, "plain.json");
    writeFileSync(bad, JSON.stringify({ tenants: { acme: { tokens: ["rf_plain-token-not-a-hash"] } } }));
    await expect(spawnRecflow("gateway-bad", ["gateway"], { ...FAST_ENV, NATS_URL: stack.nats.url, RECFLOW_GRPC_ADDRESS: "127.0.0.1:0", RECFLOW_TENANTS_FILE: bad }))
      .rejects.toThrow(/never the token itself/);
  });

  it("rotates tokens without a restart and keeps the last good file when a new one is broken", async () => {
    const next = newToken();
    // Rotation step 1: both the old and the new token work.
    writeFileSync(file, tenantsFile({ acme: [hashes.acme, next.hash] }));
    const fresh = clients(stack.address, next.token);
    await waitFor(() => submit(fresh, { probe: { workMs: 1 } }).catch(() => undefined), 10_000, "new token accepted");
    await expect(submit(t.acme, { probe: { workMs: 1 } })).resolves.toBeDefined();
    // Step 2: the old token is retired.
    writeFileSync(file, tenantsFile({ acme: [next.hash] }));
    await waitFor(async () => (await codeOf(submit(t.acme, { probe: { workMs: 1 } }))) === Number(Code.UNAUTHENTICATED), 10_000, "old token refused");
    // A broken file is ignored (logged), not a lock-out.
    writeFileSync(file, "{ not json");
    await new Promise((r) => setTimeout(r, 3_000));
    await expect(submit(fresh, { probe: { workMs: 1 } })).resolves.toBeDefined();
    expect(stack.gateway.logs.join("\n")).toMatch(/tenants file is invalid/);
  });
});
