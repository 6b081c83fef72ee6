// recflow on a network of hosts (see netns.ts): three NATS hosts (a 3-node JetStream cluster,
// file store), gateway hosts and worker hosts. Every process is the normal binary with its
// normal configuration, run on its host with `ip netns exec`: nats-server from a config file,
// `node dist/cli/main.js gateway|worker` with NATS_URL listing every NATS host as a seed.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { connect as tcpConnect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { connect, type JetStreamManager, type NatsConnection } from "nats";
import { findNatsServer } from "../../src/cli/nats-server.js";
import { spawnRecflow, stopProc, type Proc } from "../../src/cli/processes.js";
import { Network } from "./netns.js";
import { waitFor } from "./stack.js";

const CLI = fileURLToPath(new URL("../../dist/cli/main.js", import.meta.url));
export const GRPC_PORT = 50051;
const NATS_PORT = 4222;
const ROUTE_PORT = 6222;

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

  /** Builds the network, then starts NATS, gateways and workers; on any failure tears it all down. */
  static async start(opts: NetClusterOptions): Promise<NetCluster> {
    const net = await Network.create();
    const c = new NetCluster(net, opts);
    try {
      for (const h of [...c.natsHosts, ...c.gatewayHosts, ...c.workerHosts]) await net.addHost(h);
      await Promise.all(c.natsHosts.map((h) => c.startNats(h)));
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
      for (const h of c.gatewayHosts) await c.startGateway(h);
      for (const h of c.workerHosts) await c.startWorker(h);
    } catch (err) {
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
      "",
    ].join("\n"));
    const child = spawn(this.net.wrapper(host)[0], [...this.net.wrapper(host).slice(1), findNatsServer(), "-c", conf], { stdio: "ignore" });
    const node = { name: host, child, url: `nats://${me.ip}:${NATS_PORT}` };
    this.nats.set(host, node);
    await waitFor(() => portOpen(me.ip, NATS_PORT), 20_000, `nats-server on ${host}`);
    return node;
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
