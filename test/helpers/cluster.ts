// A real 3-node nats-server cluster on loopback for fault tests: three processes with routes
// between them, each with its own JetStream store. Nodes can be SIGKILLed and restarted. Ready
// once every node is in the JetStream meta group (a node left out is restarted once).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connect } from "nats";
import { LocalNatsServer, freePort } from "../../src/cli/nats-server.js";
import { waitForMetaGroup } from "./meta-group.js";
import { Stack } from "./stack.js";

export interface TestCluster {
  nodes: { name: string; server: LocalNatsServer }[];
  /** All client URLs, comma separated (NATS_URL). */
  urls: string;
  node(name: string): LocalNatsServer;
  stop(): Promise<void>;
}

export async function startCluster(size = 3): Promise<TestCluster> {
  const dir = mkdtempSync(join(tmpdir(), "recflow-cluster-"));
  const routePorts = await Promise.all(Array.from({ length: size }, () => freePort()));
  const monitorPorts = await Promise.all(Array.from({ length: size }, () => freePort()));
  const routes = routePorts.map((p) => `nats://127.0.0.1:${p}`).join(",");
  const nodes = await Promise.all(routePorts.map(async (port, i) => {
    const name = `n${i + 1}`;
    const server = await LocalNatsServer.start({
      storeDir: join(dir, name),
      args: ["-n", name, "--cluster_name", "recflow-test", "--cluster", `nats://127.0.0.1:${port}`, "--routes", routes, "-m", String(monitorPorts[i])],
    });
    return { name, server };
  }));
  const cluster: TestCluster = {
    nodes,
    urls: nodes.map((n) => n.server.url).join(","),
    node: (name) => nodes.find((n) => n.name === name)!.server,
    stop: async () => {
      await Promise.all(nodes.map((n) => n.server.stop("SIGKILL")));
      rmSync(dir, { recursive: true, force: true });
    },
  };
  // JetStream is usable once the meta group has a leader.
  const nc = await connect({ servers: nodes.map((n) => n.server.url) });
  try {
    const deadline = Date.now() + 30_000;
    for (;;) {
      try {
        const jsm = await nc.jetstreamManager({ timeout: 2_000 });
        await jsm.getAccountInfo();
        break;
      } catch (err) {
        if (Date.now() > deadline) throw new Error("the cluster did not elect a JetStream leader", { cause: err });
        await new Promise((r) => setTimeout(r, 250));
      }
    }
  } finally {
    await nc.close();
  }
  // And every node in its meta group: an R3 stream needs all three.
  const monitored = nodes.map((n, i) => ({ name: n.name, monitorUrl: `http://127.0.0.1:${monitorPorts[i]}` }));
  await waitForMetaGroup(monitored, async (name) => {
    const server = cluster.node(name);
    await server.stop("SIGKILL");
    await server.restart();
  }, 20_000);
  return cluster;
}

/**
 * A recflow stack (gateway, workers) on `cluster`: every process given all the nodes' URLs,
 * streams with three replicas, and the stack's own NATS handle on the first node (not stopped by
 * the stack: the cluster owns it).
 */
export function stackOnCluster(cluster: TestCluster, o: { workers: number; threads: number }): Promise<Stack> {
  const first = cluster.nodes[0].server;
  return Stack.start({
    ...o,
    nats: { server: first, url: first.url, stop: () => Promise.resolve(), [Symbol.asyncDispose]: () => Promise.resolve() },
    env: { NATS_URL: cluster.urls, RECFLOW_STREAM_REPLICAS: "3", RECFLOW_PUBLISH_TIMEOUT_MS: "3000" },
  });
}
