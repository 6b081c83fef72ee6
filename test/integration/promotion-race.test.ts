// promoteIfBetter, the helper TrainModel (and TuneModel) promote with, against a real NATS KV:
// promotions that all read the alias at the same revision race on its compare-and-set.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Broker, ModelAliases } from "../../src/nats/index.js";
import { promoteIfBetter } from "../../src/worker/promotion.js";
import { createLogger } from "../../src/log.js";
import { startNats, type TestNats } from "../helpers/nats.js";

describe("promoteIfBetter", () => {
  let nats: TestNats;
  let broker: Broker;
  let aliases: ModelAliases;
  beforeAll(async () => {
    nats = await startNats();
    broker = await Broker.connect({ servers: [nats.url], name: "promotion-test", publishTimeoutMs: 5_000 }, createLogger({ level: "silent", name: "promotion-test" }));
    aliases = await ModelAliases.open(broker, 1);
  });
  afterAll(async () => {
    await broker?.close();
    await nats?.stop();
  });

  /** Candidates that all score the current model only once every one of them has read the alias. */
  function racers(alias: string, n: number, scoreOf: (i: number) => number): Promise<{ decision: string; modelId: string }[]> {
    let arrived = 0;
    let release!: () => void;
    const allRead = new Promise<void>((r) => (release = r));
    return Promise.all(Array.from({ length: n }, async (_, i) => {
      const p = await promoteIfBetter({
        aliases, tenant: "acme", alias, candidateModelId: `m_${i}`, candidateScore: scoreOf(i), metric: "ndcg@10", baselineScore: 0.1, taskId: `t_${i}`,
        evaluateCurrent: async () => {
          if (++arrived === n) release();
          await allRead;
          return 0.2;
        },
      });
      return { decision: p.decision, modelId: `m_${i}` };
    }));
  }

  it("lets exactly one of concurrent promotions of an existing alias win; the rest report ALIAS_CHANGED", async () => {
    await aliases.set("acme", "race", { modelId: "m_old" });
    const results = await racers("race", 6, () => 0.5);
    const winners = results.filter((r) => r.decision === "DECISION_PROMOTED");
    expect(winners).toHaveLength(1);
    expect(results.filter((r) => r.decision === "DECISION_ALIAS_CHANGED")).toHaveLength(5);
    const alias = await aliases.get("acme", "race");
    expect(alias?.modelId).toBe(winners[0].modelId);
    expect(alias?.history.map((h) => h.modelId)).toEqual([winners[0].modelId, "m_old"]);
    expect(alias?.history[0]).toMatchObject({ previousModelId: "m_old", score: 0.5, previousScore: 0.2, metric: "ndcg@10" });
  });

  it("lets exactly one of concurrent promotions to a new alias win", async () => {
    const results = await Promise.all(Array.from({ length: 6 }, (_, i) => promoteIfBetter({
      aliases, tenant: "acme", alias: "fresh", candidateModelId: `m_${i}`, candidateScore: 0.5, metric: "ndcg@10", baselineScore: 0.1, taskId: `t_${i}`,
      evaluateCurrent: () => Promise.resolve(0.2),
    })));
    expect(results.filter((r) => r.decision === "DECISION_PROMOTED")).toHaveLength(1);
    expect((await aliases.get("acme", "fresh"))?.history).toHaveLength(1);
  });

  it("refuses a worse candidate and retries a lost race when asked to", async () => {
    await aliases.set("acme", "keep", { modelId: "m_good" });
    const worse = await promoteIfBetter({
      aliases, tenant: "acme", alias: "keep", candidateModelId: "m_bad", candidateScore: 0.1, metric: "ndcg@10", baselineScore: 0.05, taskId: "t_bad",
      evaluateCurrent: () => Promise.resolve(0.3),
    });
    expect(worse).toMatchObject({ decision: "DECISION_NOT_BETTER", candidateScore: 0.1, currentScore: 0.3, currentModelId: "m_good" });
    expect((await aliases.get("acme", "keep"))?.modelId).toBe("m_good");
    // With maxAttempts 2, a loser re-reads, scores the winner and may still win on merit.
    const results = await Promise.all([0.4, 0.6].map((score, i) => promoteIfBetter({
      aliases, tenant: "acme", alias: "keep", candidateModelId: `m_r${i}`, candidateScore: score, metric: "ndcg@10", baselineScore: 0.05, taskId: `t_r${i}`,
      maxAttempts: 2, evaluateCurrent: (id) => Promise.resolve(id === "m_good" ? 0.3 : id === "m_r0" ? 0.4 : 0.6),
    })));
    expect((await aliases.get("acme", "keep"))?.modelId).toBe("m_r1");
    expect(results.map((r) => r.decision)).toContain("DECISION_PROMOTED");
  });
});
