import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { status as Code, type ServiceError } from "@grpc/grpc-js";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  call, createDatasetsClient, createModelsClient, createTasksClient, uploadDataset,
  type DatasetsServiceClient, type ModelsServiceClient, type TasksServiceClient,
} from "../../src/api/client.js";
import { newToken } from "../../src/gateway/auth.js";
import { generateInteractions, syntheticCsvChunks } from "../../src/engine/index.js";
import type { Dataset__Output } from "../../src/generated/recflow/v1/Dataset.js";
import type { ModelAlias__Output } from "../../src/generated/recflow/v1/ModelAlias.js";
import type { ListModelAliasesResponse__Output } from "../../src/generated/recflow/v1/ListModelAliasesResponse.js";
import type { Task__Output } from "../../src/generated/recflow/v1/Task.js";
import type { TaskEvent__Output } from "../../src/generated/recflow/v1/TaskEvent.js";
import type { TaskSpec } from "../../src/generated/recflow/v1/TaskSpec.js";
import type { TrainModelResult__Output } from "../../src/generated/recflow/v1/TrainModelResult.js";
import { Stack, codeOf, collectWatch, runCli } from "../helpers/stack.js";
import { fieldViolations } from "../helpers/status.js";

interface Tenant {
  token: string;
  tasks: TasksServiceClient;
  datasets: DatasetsServiceClient;
  models: ModelsServiceClient;
}

// A good ALS and a deliberately poor one (2 factors, 1 sweep, huge λ): same dataset and seed, so
// both are evaluated on the same holdout split.
const GOOD = { factors: 16, iterations: 8, regularization: 0.1, alpha: 10 };
const POOR = { factors: 2, iterations: 1, regularization: 5000 };
const SEED = 5;

describe("model aliases: set/get/list with history, promotion by TrainModel, tasks by alias", () => {
  let stack: Stack;
  let dir: string;
  const t: Record<"acme" | "globex", Tenant> = {} as never;

  const submit = (who: Tenant, task: TaskSpec): Promise<Task__Output> => call(who.tasks.SubmitTask.bind(who.tasks), { requestId: "", task }, { deadlineMs: 10_000 });
  const runTask = async (who: Tenant, task: TaskSpec): Promise<TaskEvent__Output[]> => collectWatch(who.tasks, (await submit(who, task)).id, 0, 120_000);
  const train = async (who: Tenant, als: object, promoteTo = ""): Promise<TrainModelResult__Output & { taskId: string }> => {
    const task = await submit(who, { trainModel: { datasetId: "synth", algorithm: "ALGORITHM_ALS", als, evaluate: true, evalK: 10, seed: SEED, promoteTo } });
    const events = await collectWatch(who.tasks, task.id, 0, 120_000);
    const r = events.at(-1)?.succeeded?.result?.trainModel;
    if (!r) throw new Error(`training failed: ${JSON.stringify(events.at(-1)?.failed)}`);
    return { ...r, taskId: task.id };
  };
  const setAlias = (who: Tenant, req: { name: string; modelId: string; expectedRevision?: number }): Promise<ModelAlias__Output> =>
    call(who.models.SetModelAlias.bind(who.models), req, { deadlineMs: 10_000 });
  const getAlias = (who: Tenant, name: string): Promise<ModelAlias__Output> => call(who.models.GetModelAlias.bind(who.models), { name }, { deadlineMs: 10_000 });
  const listAliases = async (who: Tenant): Promise<string[]> =>
    (await call<object, ListModelAliasesResponse__Output>(who.models.ListModelAliases.bind(who.models), {}, { deadlineMs: 10_000 })).aliases.map((a) => a.name);
  const recommend = async (who: Tenant, ref: { modelId?: string; alias?: string }): Promise<{ modelId: string; recs: string[] }> => {
    const events = await runTask(who, { recommend: { ...ref, userIds: ["u1", "u2", "u3", "nobody"], k: 5 } });
    const recs = events.filter((e) => e.event === "partialResult").flatMap((e) => e.partialResult!.recommendations.map((r) => `${r.userId}:${r.items.map((i) => i.itemId).join(",")}`));
    return { modelId: events.at(-1)?.succeeded?.result?.recommend?.modelId ?? "", recs };
  };
  const recflow = (who: Tenant, ...args: string[]): Promise<{ stdout: string; stderr: string; code: number }> =>
    runCli([...args, "--address", stack.address], { RECFLOW_TOKEN: who.token });

  beforeAll(async () => {
    const tokens = { acme: newToken(), globex: newToken() };
    dir = mkdtempSync(join(tmpdir(), "recflow-aliases-"));
    const file = join(dir, "tenants.json");
    writeFileSync(file, JSON.stringify({ tenants: { acme: { tokens: [tokens.acme.hash] }, globex: { tokens: [tokens.globex.hash] } } }));
    // Two threads: the race test runs two trainings at the same time.
    stack = await Stack.start({ workers: 1, threads: 2, env: { RECFLOW_TENANTS_FILE: file } });
    for (const name of ["acme", "globex"] as const) {
      const sec = { token: tokens[name].token };
      t[name] = { token: tokens[name].token, tasks: createTasksClient(stack.address, {}, sec), datasets: createDatasetsClient(stack.address, {}, sec), models: createModelsClient(stack.address, {}, sec) };
    }
    const data = generateInteractions({ users: 600, items: 300, interactions: 18_000, seed: 3 });
    const enc = new TextEncoder();
    const d = await uploadDataset<Dataset__Output>(t.acme.datasets, { datasetId: "synth" }, [...syntheticCsvChunks(data, 16 * 1024)].map((c) => enc.encode(c)));
    expect(d.interactions).toBe(18_000);
  }, 60_000);
  afterAll(async () => {
    for (const c of Object.values(t)) for (const x of [c.tasks, c.datasets, c.models]) x.close();
    await stack?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  let good = "";
  let poor = "";

  it("promotes a trained model to a new alias when it beats popularity on its holdout", async () => {
    const r = await train(t.acme, GOOD, "prod");
    good = r.modelId;
    expect(r.promotion).toMatchObject({
      alias: "prod", decision: "DECISION_PROMOTED", metric: "ndcg@10", currentModelId: "",
      candidateScore: r.metrics["ndcg@10"], currentScore: r.baselineMetrics["ndcg@10"],
    });
    expect(r.promotion!.candidateScore).toBeGreaterThan(r.promotion!.currentScore);
    const alias = await getAlias(t.acme, "prod");
    expect(alias).toMatchObject({ name: "prod", modelId: good, revision: r.promotion!.revision });
    expect(alias.history).toHaveLength(1);
    expect(alias.history[0]).toMatchObject({ modelId: good, previousModelId: "", taskId: r.taskId, metric: "ndcg@10", score: r.metrics["ndcg@10"] });
  });

  it("refuses to promote a worse model, reporting both scores on the same holdout, and leaves the alias alone", async () => {
    const before = await getAlias(t.acme, "prod");
    const r = await train(t.acme, POOR, "prod");
    poor = r.modelId;
    expect(r.promotion).toMatchObject({ alias: "prod", decision: "DECISION_NOT_BETTER", currentModelId: good, candidateScore: r.metrics["ndcg@10"], revision: before.revision });
    // Same dataset, seed and k: the current model, scored on the new training's holdout, gets
    // exactly the score its own training reported.
    const goodModel = await call<object, { metrics: Record<string, number> }>(t.acme.models.GetModel.bind(t.acme.models), { modelId: good });
    expect(r.promotion!.currentScore).toBeCloseTo(goodModel.metrics["ndcg@10"], 12);
    expect(r.promotion!.currentScore).toBeGreaterThan(r.promotion!.candidateScore);
    expect(await getAlias(t.acme, "prod")).toEqual(before);
  });

  it("lets exactly one of two concurrent promotions to the same alias win", async () => {
    // Identical trainings: whatever the interleaving, the loser can never be promoted (it either
    // loses the compare-and-set, or finds an equal model already there).
    const [a, b] = await Promise.all([train(t.acme, GOOD, "race"), train(t.acme, GOOD, "race")]);
    const decisions = [a, b].map((r) => r.promotion!.decision);
    expect(decisions.filter((d) => d === "DECISION_PROMOTED")).toHaveLength(1);
    const winner = a.promotion!.decision === "DECISION_PROMOTED" ? a : b;
    const alias = await getAlias(t.acme, "race");
    expect(alias.modelId).toBe(winner.modelId);
    expect(alias.history).toHaveLength(1);
    expect(alias.history[0].taskId).toBe(winner.taskId);
  });

  it("lets exactly one of many concurrent SetModelAlias calls with the same expected_revision win", async () => {
    const base = await setAlias(t.acme, { name: "cas", modelId: good, expectedRevision: 0 });
    const results = await Promise.allSettled(Array.from({ length: 8 }, (_, i) => setAlias(t.acme, { name: "cas", modelId: i % 2 ? good : poor, expectedRevision: base.revision })));
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    expect(results.filter((r) => r.status === "rejected").map((r) => (r.reason as ServiceError).code)).toEqual(Array(7).fill(Code.ABORTED));
    expect((await getAlias(t.acme, "cas")).history).toHaveLength(2);
    // 0 means "only if it does not exist".
    expect(await codeOf(setAlias(t.acme, { name: "cas", modelId: good, expectedRevision: 0 }))).toBe(Code.ABORTED);
  });

  it("serves Recommend by alias from the model the alias points to, also after a rollback", async () => {
    const direct = { good: await recommend(t.acme, { modelId: good }), poor: await recommend(t.acme, { modelId: poor }) };
    expect(direct.good.recs).not.toEqual(direct.poor.recs);
    await setAlias(t.acme, { name: "prod", modelId: poor });
    expect(await recommend(t.acme, { alias: "prod" })).toEqual({ modelId: poor, recs: direct.poor.recs });
    // Rollback: set it back.
    const rolled = await setAlias(t.acme, { name: "prod", modelId: good });
    const byAlias = await recommend(t.acme, { alias: "prod" });
    expect(byAlias).toEqual({ modelId: good, recs: direct.good.recs });
    expect(rolled.history.map((h) => [h.previousModelId, h.modelId, h.taskId === ""])).toEqual([[poor, good, true], [good, poor, true], ["", good, false]]);
    // SimilarItems and Evaluate take an alias too and name the model they used.
    const sim = (await runTask(t.acme, { similarItems: { alias: "prod", itemIds: ["i1"], k: 3 } })).at(-1)?.succeeded?.result?.similarItems;
    expect(sim?.modelId).toBe(good);
    const ev = (await runTask(t.acme, { evaluate: { alias: "prod", datasetId: "synth", k: 10 } })).at(-1)?.succeeded?.result?.evaluate;
    expect(ev?.modelId).toBe(good);
  });

  it("keeps aliases apart between tenants", async () => {
    expect(await codeOf(getAlias(t.globex, "prod"))).toBe(Code.NOT_FOUND);
    expect(await listAliases(t.globex)).toEqual([]);
    expect(await listAliases(t.acme)).toEqual(["cas", "prod", "race"]);
    // acme's model is not globex's: it cannot be aliased there, and acme's alias is unknown to globex's tasks.
    expect(await codeOf(setAlias(t.globex, { name: "prod", modelId: good }))).toBe(Code.NOT_FOUND);
    const err = await submit(t.globex, { recommend: { alias: "prod", userIds: ["u1"], k: 3 } }).catch((e: unknown) => e as ServiceError);
    expect((err as ServiceError).code).toBe(Code.INVALID_ARGUMENT);
    expect(fieldViolations(err as ServiceError)).toEqual(["task.recommend.alias"]);
    expect(await listAliases(t.globex)).toEqual([]);
  });

  it("refuses bad input with INVALID_ARGUMENT naming the field, and stores nothing", async () => {
    const tasksBefore = await stack.streamMessages("RECFLOW_EVENTS");
    const invalid = async (p: Promise<unknown>): Promise<string[]> => {
      const err = (await p.then(() => undefined, (e: unknown) => e)) as ServiceError | undefined;
      expect(err?.code).toBe(Code.INVALID_ARGUMENT);
      return fieldViolations(err!);
    };
    for (const name of ["Prod", "prod_1", "a".repeat(64), "", "prod.x"]) {
      expect(await invalid(setAlias(t.acme, { name, modelId: good }))).toEqual(["name"]);
    }
    expect(await invalid(setAlias(t.acme, { name: "Bad!", modelId: "" }))).toEqual(["name", "model_id"]);
    expect(await invalid(getAlias(t.acme, "UPPER"))).toEqual(["name"]);
    // An unknown model or alias: NOT_FOUND.
    expect(await codeOf(setAlias(t.acme, { name: "fresh", modelId: "m_missing" }))).toBe(Code.NOT_FOUND);
    expect(await codeOf(getAlias(t.acme, "fresh"))).toBe(Code.NOT_FOUND);
    // Tasks: an unknown alias, a bad name, both model_id and alias, neither, a bad promote_to.
    expect(await invalid(submit(t.acme, { recommend: { alias: "nope", userIds: ["u1"], k: 3 } }))).toEqual(["task.recommend.alias"]);
    expect(await invalid(submit(t.acme, { similarItems: { alias: "No!", itemIds: ["i1"], k: 3 } }))).toEqual(["task.similar_items.alias"]);
    expect(await invalid(submit(t.acme, { evaluate: { alias: "prod", modelId: good, datasetId: "synth", k: 3 } }))).toEqual(["task.evaluate.alias"]);
    expect(await invalid(submit(t.acme, { recommend: { userIds: ["u1"], k: 3 } }))).toEqual(["task.recommend.model_id"]);
    expect(await invalid(submit(t.acme, { trainModel: { datasetId: "synth", algorithm: "ALGORITHM_ALS", promoteTo: "Prod" } }))).toEqual(["task.train_model.promote_to"]);
    expect(await listAliases(t.acme)).toEqual(["cas", "prod", "race"]);
    expect(await stack.streamMessages("RECFLOW_EVENTS")).toBe(tasksBefore);
  });

  it("sets, gets, lists and shows the history of aliases from the CLI", async () => {
    const set = await recflow(t.acme, "model", "alias", "set", "cli-alias", poor);
    expect(set.code).toBe(0);
    expect(JSON.parse(set.stdout)).toMatchObject({ name: "cli-alias", model: poor });
    const rollback = await recflow(t.acme, "model", "alias", "set", "cli-alias", good, "--expected-revision", String((JSON.parse(set.stdout) as { revision: number }).revision));
    expect(rollback.code).toBe(0);
    expect(JSON.parse((await recflow(t.acme, "model", "alias", "get", "cli-alias")).stdout)).toMatchObject({ model: good, changes: 2 });
    expect((await recflow(t.acme, "model", "alias", "list")).stdout).toContain(`cli-alias  -> ${good}`);
    const history = (await recflow(t.acme, "model", "alias", "history", "prod")).stdout.trim().split("\n");
    expect(history[0]).toContain(`${poor} -> ${good}`);
    expect(history.at(-1)).toMatch(/\(new\) -> m_\S+ {2}promoted by t_/);
    const stale = await recflow(t.acme, "model", "alias", "set", "cli-alias", poor, "--expected-revision", "1");
    expect(stale.code).not.toBe(0);
    expect(stale.stderr).toMatch(/ABORTED|revision/);
  });
});
