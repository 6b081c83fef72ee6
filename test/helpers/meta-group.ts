// Who is in a NATS cluster's JetStream meta group, from the servers' monitoring /jsz. A meta
// leader is not enough for R3 streams: nats-server 2.10.27 sometimes leaves one of three servers
// started together out of the meta group for good (it follows the leader but never answers it;
// restarting it with its store fixes it; see docs/operations.md), and every R3 placement then
// fails with "no suitable peers for placement". Used by the loopback cluster (cluster.ts) and the
// network-namespace one (net-cluster.ts).

/** The meta group as nats-server's /jsz reports it (followers are listed by the leader). */
export interface MetaCluster {
  leader?: string;
  cluster_size?: number;
  replicas?: { name: string; current: boolean; offline?: boolean }[];
}

export interface MonitoredNode {
  /** The server's name (-n). */
  name: string;
  /** Its monitoring base URL, e.g. http://127.0.0.1:8222. */
  monitorUrl: string;
}

async function jsz(node: MonitoredNode): Promise<MetaCluster | undefined> {
  try {
    const res = await fetch(`${node.monitorUrl}/jsz`, { signal: AbortSignal.timeout(2_000) });
    return res.ok ? ((await res.json()) as { meta_cluster?: MetaCluster }).meta_cluster : undefined;
  } catch {
    return undefined;
  }
}

/** The meta leader and its current followers, by server name (empty while there is no leader). */
export async function metaMembers(nodes: MonitoredNode[]): Promise<string[]> {
  for (const n of nodes) {
    const mc = await jsz(n);
    if (!mc?.leader || mc.leader !== n.name) continue;
    return [n.name, ...(mc.replicas ?? []).filter((r) => r.current && !r.offline).map((r) => r.name)];
  }
  return [];
}

/** What each node says about the meta group, for an error message. */
export async function metaView(nodes: MonitoredNode[]): Promise<string> {
  const parts = [];
  for (const n of nodes) {
    const mc = await jsz(n);
    const followers = (mc?.replicas ?? []).map((r) => `${r.name}${r.current ? "" : " not current"}${r.offline ? " offline" : ""}`).join("/");
    parts.push(`${n.name}: meta leader ${mc?.leader || "none"}${followers ? ` (followers ${followers})` : ""}${mc?.cluster_size ? `, size ${mc.cluster_size}` : ""}`);
  }
  return parts.join("; ");
}

/**
 * Waits until every node is a current member of the meta group. Nodes still missing after
 * `joinMs` are restarted (keeping their stores) once; after another `joinMs` the error names
 * those still missing.
 */
export async function waitForMetaGroup(
  nodes: MonitoredNode[], restart: (name: string) => Promise<void>, joinMs: number,
  describe: () => Promise<string> | string = () => metaView(nodes),
): Promise<void> {
  const missingAfter = async (ms: number): Promise<string[]> => {
    const deadline = Date.now() + ms;
    for (;;) {
      const members = await metaMembers(nodes);
      const missing = nodes.map((n) => n.name).filter((name) => !members.includes(name));
      if (missing.length === 0 || Date.now() > deadline) return missing;
      await new Promise((r) => setTimeout(r, 250));
    }
  };
  let missing = await missingAfter(joinMs);
  if (missing.length === 0) return;
  console.warn(`cluster: ${missing.join(", ")} not in the JetStream meta group after ${joinMs} ms; restarting ${missing.length > 1 ? "them" : "it"}\n${await describe()}`);
  for (const name of missing) await restart(name);
  missing = await missingAfter(joinMs);
  if (missing.length > 0) throw new Error(`NATS nodes ${missing.join(", ")} did not join the JetStream meta group (also not after a restart): ${await describe()}`);
}
