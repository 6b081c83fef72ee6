// recflow on a network of hosts (see netns.ts): three NATS hosts (a 3-node JetStream cluster,
// file store), gateway hosts and worker hosts. Every process is the normal binary with its
// normal configuration, run on its host with `ip netns exec`: nats-server from a config file,
// `node dist/cli/main.js gateway|worker` with NATS_URL listing every NATS host as a seed.
import { spawn, type ChildProcess } from "node:child_process";
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { connect as tcpConnect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { connect, StorageType, type JetStreamManager, type NatsConnection } from "nats";
import { findNatsServer } from "../../src/cli/nats-server.js";
import { spawnRecflow, stopProc, type Proc } from "../../src/cli/processes.js";
import { waitForMetaGroup, type MetaCluster, type MonitoredNode } from "./meta-group.js";
import { Network } from "./netns.js";
import { waitFor } from "./stack.js";

const CLI = fileURLToPath(new URL("../../dist/cli/main.js", import.meta.url));
export const GRPC_PORT = 50051;
const NATS_PORT = 4222;
const ROUTE_PORT = 6222;
const MONITOR_PORT = 8222;
/** How long every NATS host gets to join the JetStream meta group before the missing ones are restarted (once). */
const META_JOIN_MS = 20_000;

export interface NetClusterOptions {
  natsHosts?: string[];
  gatewayHosts?: string[];
  workerHosts?: string[];
  /** Environment of every gateway and worker (on top of NATS_URL and the per-host settings). */
  env: Record<string, string>;
}

export interface NatsNode {
  name: string;
  child: ChildProcess;
  url: string;
}

/** One route connection as /routez reports it. */
interface RouteInfo {
  remote_name?: string;
  account?: string;
  in_msgs?: number;
  out_msgs?: number;
}

export class NetCluster implements AsyncDisposable {
  readonly net: Network;
  readonly nats = new Map<string, NatsNode>();
  readonly gateways = new Map<string, Proc>();
  readonly workers = new Map<string, Proc>();
  readonly natsHosts: string[];
  readonly gatewayHosts: string[];
  readonly workerHosts: string[];
  /** The test's own connection (from the client host), for health checks. */
  nc!: NatsConnection;
  jsm!: JetStreamManager;
  readonly #env: Record<string, string>;
  readonly #dir = mkdtempSync(join(tmpdir(), "recflow-net-"));

  private constructor(net: Network, opts: NetClusterOptions) {
    this.net = net;
    this.natsHosts = opts.natsHosts ?? ["n1", "n2", "n3"];
    this.gatewayHosts = opts.gatewayHosts ?? ["g1", "g2"];
    this.workerHosts = opts.workerHosts ?? ["w1", "w2", "w3"];
    this.#env = opts.env;
  }

  /**
   * Builds the network, starts NATS and waits until every NATS host is in the JetStream meta group
   * and a stream with a replica on each can be placed, then starts gateways and workers. On any
   * failure it prints what the NATS hosts logged and said, and tears it all down.
   */
  static async start(opts: NetClusterOptions): Promise<NetCluster> {
    const net = await Network.create();
    const c = new NetCluster(net, opts);
    try {
      for (const h of [...c.natsHosts, ...c.gatewayHosts, ...c.workerHosts]) await net.addHost(h);
      await Promise.all(c.natsHosts.map((h) => c.startNats(h)));
      await c.waitForMetaGroup();
      c.nc = await connect({ servers: c.natsUrls.split(","), maxReconnectAttempts: -1, reconnectTimeWait: 250, pingInterval: 2_000 });
      await waitFor(async () => {
        try {
          const jsm = await c.nc.jetstreamManager({ timeout: 2_000 });
          await jsm.getAccountInfo();
          c.jsm = jsm;
          return true;
        } catch {
          return false;
        }
      }, 60_000, "a JetStream meta leader on the NATS hosts");
      await c.#probePlacement();
      for (const h of c.gatewayHosts) await c.startGateway(h);
      for (const h of c.workerHosts) await c.startWorker(h);
    } catch (err) {
      console.error(`NetCluster.start failed: ${(err as Error).message}\n${await c.#metaView()}\n${c.diagnostics()}`);
      await c.stop();
      throw err;
    }
    return c;
  }

  /** NATS_URL as every recflow process gets it: all NATS hosts as seeds. */
  get natsUrls(): string {
    return this.natsHosts.map((h) => `nats://${this.net.host(h).ip}:${NATS_PORT}`).join(",");
  }

  gatewayAddress(host: string): string {
    return `${this.net.host(host).ip}:${GRPC_PORT}`;
  }

  /** Starts (or restarts, keeping its store) the nats-server of a NATS host. */
  async startNats(host: string): Promise<NatsNode> {
    const me = this.net.host(host);
    const routes = this.natsHosts.filter((h) => h !== host).map((h) => `nats://${this.net.host(h).ip}:${ROUTE_PORT}`);
    const conf = join(this.#dir, `${host}.conf`);
    writeFileSync(conf, [
      `server_name: ${host}`,
      `listen: "${me.ip}:${NATS_PORT}"`,
      `jetstream { store_dir: "${join(this.#dir, host)}" }`,
      `cluster { name: recflow-net, listen: "${me.ip}:${ROUTE_PORT}", routes: [${routes.map((r) => `"${r}"`).join(", ")}] }`,
      // The monitoring endpoint (/jsz, /routez): how start() sees the meta group form.
      `http: "${me.ip}:${MONITOR_PORT}"`,
      "",
    ].join("\n"));
    // nats-server logs (info level) to stderr; each node's log (across restarts) goes to a file
    // that diagnostics() shows when something fails.
    const log = openSync(this.natsLogPath(host), "a");
    const child = spawn(this.net.wrapper(host)[0], [...this.net.wrapper(host).slice(1), findNatsServer(), "-c", conf], { stdio: ["ignore", log, log] });
    closeSync(log);
    const node = { name: host, child, url: `nats://${me.ip}:${NATS_PORT}` };
    this.nats.set(host, node);
    await waitFor(() => portOpen(me.ip, NATS_PORT), 20_000, `nats-server on ${host}`);
    return node;
  }

  /**
   * Waits until every NATS host is a current member of the JetStream meta group (as its leader
   * reports it): a meta leader alone is not enough, as an R3 stream needs three peers. A host
   * still missing after META_JOIN_MS is restarted (keeping its store) once; after a second
   * META_JOIN_MS the error names the hosts still missing (meta-group.ts).
   */
  async waitForMetaGroup(): Promise<void> {
    await waitForMetaGroup(this.#monitored(), async (h) => void (await this.restartNats(h)), META_JOIN_MS, async () => `${await this.#metaView()}\n${this.diagnostics()}`);
  }

  /** Each NATS host with its monitoring endpoint. */
  #monitored(): MonitoredNode[] {
    return this.natsHosts.map((h) => ({ name: h, monitorUrl: `http://${this.net.host(h).ip}:${MONITOR_PORT}` }));
  }

  /**
   * Creates and deletes a stream with a replica on every NATS host: the placement the gateway
   * needs for its R3 streams, so the gateway's 60 s start-up is not spent waiting for the cluster.
   */
  async #probePlacement(): Promise<void> {
    const deadline = Date.now() + META_JOIN_MS;
    for (;;) {
      try {
        await this.jsm.streams.add({ name: "NETCLUSTER_PROBE", subjects: ["netcluster.probe"], num_replicas: this.natsHosts.length, storage: StorageType.Memory });
        await this.jsm.streams.delete("NETCLUSTER_PROBE");
        return;
      } catch (err) {
        if (Date.now() > deadline) throw new Error(`no stream with ${this.natsHosts.length} replicas could be placed in ${META_JOIN_MS} ms: ${(err as Error).message}`, { cause: err });
        await new Promise((r) => setTimeout(r, 250));
      }
    }
  }

  /** Kills a host's nats-server, waits for it to exit and starts it again with the same store. */
  async restartNats(host: string): Promise<NatsNode> {
    const old = this.nats.get(host);
    if (old && old.child.exitCode === null && old.child.signalCode === null) {
      const exited = new Promise((r) => old.child.once("exit", r));
      old.child.kill("SIGKILL");
      await exited;
    }
    return this.startNats(host);
  }

  /**
   * What each host says about the meta group and its routes, for error messages: the leader's
   * followers, route connections per peer, and messages in/out on the system account's route
   * to each peer (raft traffic; a peer that receives but hardly sends is not answering the leader).
   */
  async #metaView(): Promise<string> {
    const parts = [];
    for (const h of this.natsHosts) {
      const mc = (await this.#monitor(h, "jsz"))?.meta_cluster as MetaCluster | undefined;
      const routes = ((await this.#monitor(h, "routez"))?.routes ?? []) as RouteInfo[];
      const perPeer = new Map<string, number>();
      for (const r of routes) perPeer.set(r.remote_name ?? "?", (perPeer.get(r.remote_name ?? "?") ?? 0) + 1);
      const sys = routes.filter((r) => r.account === "$SYS").map((r) => `${r.remote_name} ${r.in_msgs}/${r.out_msgs}`);
      const replicas = (mc?.replicas ?? []).map((r) => `${r.name}${r.current ? "" : " not current"}${r.offline ? " offline" : ""}`).join("/");
      parts.push(`${h}: meta leader ${mc?.leader || "none"}${replicas ? ` (followers ${replicas})` : ""}${mc?.cluster_size ? `, size ${mc.cluster_size}` : ""}, routes ${[...perPeer].map(([n, k]) => `${n}×${k}`).join(" ") || "none"}${sys.length ? ` ($SYS msgs in/out ${sys.join(", ")})` : ""}`);
    }
    return parts.join("; ");
  }

  /** One monitoring endpoint of a host's nats-server, or undefined when it does not answer. */
  async #monitor(host: string, path: string): Promise<Record<string, unknown> | undefined> {
    try {
      const res = await fetch(`http://${this.net.host(host).ip}:${MONITOR_PORT}/${path}`, { signal: AbortSignal.timeout(2_000) });
      return res.ok ? ((await res.json()) as Record<string, unknown>) : undefined;
    } catch {
      return undefined;
    }
  }

  natsLogPath(host: string): string {
    return join(this.#dir, `${host}.log`);
  }

  /** The last lines of every NATS host's log and the start-up failures of gateways and workers: what a failed run prints. */
  diagnostics(lines = 40): string {
    const out: string[] = [];
    for (const h of this.natsHosts) {
      const path = this.natsLogPath(h);
      const tail = existsSync(path) ? readFileSync(path, "utf8").trimEnd().split("\n").slice(-lines) : ["(no log)"];
      out.push(`--- nats-server ${h} (last ${tail.length} lines of ${path})`, ...tail);
    }
    out.push(`--- gateway/worker start failures: ${this.startFailures.length ? "" : "none"}`, ...this.startFailures);
    return out.join("\n");
  }

  async startGateway(host: string): Promise<Proc> {
    const p = await this.#supervised(host, () => this.#spawn(host, "gateway", { RECFLOW_GRPC_ADDRESS: this.gatewayAddress(host) }));
    this.gateways.set(host, p);
    return p;
  }

  /** Processes that exited during start-up and were started again (see #supervised). */
  startFailures: string[] = [];

  /** Starts a worker on `host`; `env` adds to (or overrides) the cluster's environment for it alone. */
  async startWorker(host: string, env: Record<string, string> = {}): Promise<Proc> {
    const p = await this.#supervised(host, () => this.#spawn(host, "worker", { RECFLOW_WORKER_ID: host, ...env }));
    this.workers.set(host, p);
    return p;
  }

  /**
   * Starts a process again when it exits during start-up, as Kubernetes restarts a pod: a worker
   * that starts while the NATS cluster is still settling can get a JetStream error and exit.
   */
  async #supervised(host: string, start: () => Promise<Proc>, timeoutMs = 60_000): Promise<Proc> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      try {
        return await start();
      } catch (err) {
        const why = (err as Error).message.split("\n").slice(0, 3).join(" | ");
        this.startFailures.push(`${host}: ${why}`);
        if (Date.now() > deadline) throw err;
        await new Promise((r) => setTimeout(r, 1_000));
      }
    }
  }

  #spawn(host: string, role: "gateway" | "worker", env: Record<string, string>): Promise<Proc> {
    return spawnRecflow(`${role}@${host}`, [role], {
      env: { ...process.env, ...this.#env, NATS_URL: this.natsUrls, ...env },
      entry: CLI,
      wrapper: this.net.wrapper(host),
      readyTimeoutMs: 60_000,
    });
  }

  /** Sends a signal to a host's nats-server (SIGSTOP / SIGCONT: a slow node, not a dead one). */
  signalNats(host: string, signal: NodeJS.Signals): void {
    this.nats.get(host)?.child.kill(signal);
  }

  /** Streams and their leaders and replicas, as the cluster reports them. */
  async streamHealth(): Promise<{ stream: string; leader: string; replicas: { name: string; current: boolean; offline: boolean }[] }[]> {
    const out = [];
    for await (const s of this.jsm.streams.list()) {
      out.push({
        stream: s.config.name,
        leader: s.cluster?.leader ?? "",
        replicas: (s.cluster?.replicas ?? []).map((r) => ({ name: r.name, current: r.current, offline: Boolean(r.offline) })),
      });
    }
    return out;
  }

  async stop(): Promise<void> {
    await this.nc?.close().catch(() => undefined);
    const procs = [...this.gateways.values(), ...this.workers.values()];
    await Promise.all(procs.map((p) => stopProc(p, "SIGKILL")));
    for (const n of this.nats.values()) {
      n.child.kill("SIGCONT");
      n.child.kill("SIGKILL");
    }
    // Kills whatever is left on any host (a restarted process, a grandchild), then removes the network.
    await this.net.destroy();
    rmSync(this.#dir, { recursive: true, force: true });
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }
}

/** Where Debian's faketime package puts its preload library (scripts/setup.sh installs it). */
export const LIBFAKETIME = "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1";

/**
 * The environment that runs a process with its wall clock moved by `offset` (libfaketime's
 * syntax: "+5m", "-300s"): Date.now() and every clock_gettime(CLOCK_REALTIME) in it, threads
 * included. Monotonic time stays true, so timers behave.
 */
export function offsetClockEnv(offset: string): Record<string, string> {
  return { LD_PRELOAD: LIBFAKETIME, FAKETIME: offset, FAKETIME_DONT_FAKE_MONOTONIC: "1" };
}

function portOpen(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = tcpConnect(port, host);
    s.once("connect", () => {
      s.destroy();
      resolve(true);
    });
    s.once("error", () => resolve(false));
  });
}
