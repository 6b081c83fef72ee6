// A 3-node NATS cluster with R3 streams: SIGKILL the stream leader while 200 tasks run. Every
// accepted task still ends with exactly one terminal event; submits during the fail-over either
// succeed or get UNAVAILABLE; gateway and workers reconnect by themselves; the killed node, once
// restarted, catches up.
import { afterAll, describe, expect, it } from "vitest";
import { status as Code, type ServiceError } from "@grpc/grpc-js";
import type { Task__Output } from "../../src/generated/recflow/v1/Task.js";
import { terminalEvents, waitFor, type Stack } from "../helpers/stack.js";
import { stackOnCluster, startCluster, type TestCluster } from "../helpers/cluster.js";

describe("replicated NATS: losing the stream leader", () => {
  let cluster: TestCluster | undefined;
  let stack: Stack | undefined;
  afterAll(async () => {
    await stack?.close();
    await cluster?.stop();
  });

  it("loses no task and duplicates no outcome when the leader node is SIGKILLed mid-run, and the node catches up", async () => {
    cluster = await startCluster(3);
    stack = await stackOnCluster(cluster, { workers: 2, threads: 2 });
    const s = stack;
    const info = await s.jsm.streams.info("RECFLOW_TASKS");
    expect(info.config.num_replicas).toBe(3);
    const leader = info.cluster?.leader;
    expect(leader).toMatch(/^n[123]$/);

    const accepted: Task__Output[] = [];
    const codes = new Map<number, number>();
    let killed = false;
    const submitOne = async (i: number): Promise<void> => {
      // A client retries UNAVAILABLE with the same request id: at most one task per request.
      for (let tries = 0; ; tries++) {
        try {
          accepted[i] = await s.submit({ probe: { workMs: 100 + (i % 4) * 50 } }, `cluster-${i}`);
          return;
        } catch (err) {
          const code = (err as ServiceError).code;
          codes.set(code, (codes.get(code) ?? 0) + 1);
          if (code !== Code.UNAVAILABLE || tries > 60) throw err;
          await new Promise((r) => setTimeout(r, 250));
        }
      }
    };
    const submits: Promise<void>[] = [];
    for (let i = 0; i < 200; i++) {
      submits.push(submitOne(i));
      if (i === 80) {
        await new Promise((r) => setTimeout(r, 300));
        await cluster.node(leader!).stop("SIGKILL");
        killed = true;
      }
      await new Promise((r) => setTimeout(r, 10));
    }
    await Promise.all(submits);
    expect(killed).toBe(true);
    console.log(`leader ${leader} killed after 80 submits; retried submits by code: ${JSON.stringify(Object.fromEntries(codes))}`);
    // The only error a client may see during the fail-over is UNAVAILABLE.
    expect([...codes.keys()].filter((c) => c !== Number(Code.UNAVAILABLE))).toEqual([]);
    expect(new Set(accepted.map((t) => t.id)).size).toBe(200);

    for (const t of accepted) {
      const events = await s.watch(t.id, 0, 90_000).catch(async (err: unknown) => {
        // Say what the task looked like, not only that the watch timed out.
        const state = await s.get(t.id).then((x) => x.status?.state, (e: unknown) => String(e));
        const feed = s.gateway.logs.filter((l) => l.includes("event feed")).slice(-5).join("\n");
        throw new Error(`watch of ${t.id} failed (${String(err)}); task state ${state}; gateway feed log:\n${feed}`, { cause: err });
      });
      expect(terminalEvents(events), `task ${t.id}`).toHaveLength(1);
      expect(events.at(-1)?.event).toBe("succeeded");
    }
    // Gateway and workers are the same processes: they reconnected, nobody restarted them.
    expect([s.gateway, ...s.workers].map((p) => p.child.exitCode)).toEqual([null, null, null]);
    await waitFor(async () => (await s.streamMessages("RECFLOW_TASKS")) === 0, 30_000, "work queue drained");

    await cluster.node(leader!).restart();
    await waitFor(async () => {
      const c = (await s.jsm.streams.info("RECFLOW_EVENTS")).cluster;
      const all = [c?.leader, ...(c?.replicas ?? []).map((r) => r.name)];
      return all.includes(leader) && (c?.replicas ?? []).every((r) => r.current && !r.offline);
    }, 60_000, `node ${leader} back and current`);
  }, 180_000);
});
