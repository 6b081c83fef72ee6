// Real hosts on one Linux machine: each host is a network namespace with one veth link to a
// bridge (itself in a "switch" namespace), on a /24 of 10.231.0.0/16 that no other run uses.
// The test process is the client host: its end of a veth sits in the root namespace. Faults are
// real network faults: a link set down, blackhole routes between chosen hosts (a partition).
// `tc netem` is not available in CI's kernel, so nothing here delays or drops packets at random.
//
// Every name starts with a per-run prefix, `rf<pid in base 36>`, so teardown removes exactly
// this run's namespaces, links and processes, and the next run removes what a crashed run left
// behind (its pid is no longer alive).
import { execFile } from "node:child_process";
import { promisify } from "node:util";

const run = promisify(execFile);

/** Why namespaces cannot be used here, or undefined when they can (root, iproute2, netns). */
export async function netnsUnsupportedReason(): Promise<string | undefined> {
  if (process.platform !== "linux") return `network namespaces need Linux (this is ${process.platform})`;
  if (process.getuid?.() !== 0) return "network namespaces need root (CI runs as root)";
  try {
    await run("ip", ["-V"]);
  } catch {
    return "`ip` (iproute2) not found; install it with `bash scripts/apt-install.sh iproute2`";
  }
  const probe = `rfprobe${process.pid.toString(36)}`;
  try {
    await run("ip", ["netns", "add", probe]);
    await run("ip", ["netns", "del", probe]);
  } catch (err) {
    return `this kernel or container refuses \`ip netns add\`: ${(err as Error).message.trim()}`;
  }
  return undefined;
}

async function ip(...args: string[]): Promise<string> {
  try {
    return (await run("ip", args)).stdout;
  } catch (err) {
    throw new Error(`ip ${args.join(" ")} failed: ${((err as { stderr?: string }).stderr ?? String(err)).trim()}`, { cause: err });
  }
}

const PREFIX_RE = /^rf([0-9a-z]+)-/;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

async function namespaces(): Promise<string[]> {
  return (await ip("netns", "list")).split("\n").map((l) => l.split(" ")[0]).filter(Boolean);
}

/** SIGKILLs every process inside a namespace (a process leaves no trace once its namespace is gone, but keeps running). */
async function killAllIn(ns: string): Promise<void> {
  const pids = (await ip("netns", "pids", ns).catch(() => "")).split("\n").map(Number).filter((p) => p > 0);
  for (const pid of pids) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // already gone
    }
  }
}

async function removeRun(owner: (name: string) => boolean): Promise<void> {
  for (const ns of (await namespaces()).filter(owner)) {
    await killAllIn(ns);
    await ip("netns", "del", ns).catch(() => undefined);
  }
  const links = (await ip("-o", "link", "show")).split("\n").map((l) => l.split(":")[1]?.trim().split("@")[0] ?? "").filter(owner);
  for (const l of links) await ip("link", "del", l).catch(() => undefined);
}

/** Removes namespaces, links and processes of earlier runs whose test process is dead. */
export async function removeLeftovers(): Promise<void> {
  await removeRun((name) => {
    const m = PREFIX_RE.exec(name);
    return m !== null && m[1] !== "probe" && !alive(parseInt(m[1], 36));
  });
}

export interface NetHost {
  name: string;
  /** Network namespace name (for `ip netns exec`). */
  ns: string;
  /** The host's address on the network. */
  ip: string;
  /** Its interface inside the namespace. */
  iface: string;
}

export class Network implements AsyncDisposable {
  readonly prefix: string;
  /** e.g. "10.231.57" */
  readonly subnet: string;
  /** The test process's own address on the network (the client host). */
  readonly clientIp: string;
  readonly #hosts = new Map<string, NetHost>();
  readonly #switchNs: string;
  #nextHost = 10;
  readonly #blackholes = new Set<string>();

  private constructor(prefix: string, subnet: string) {
    this.prefix = prefix;
    this.subnet = subnet;
    this.clientIp = `${subnet}.2`;
    this.#switchNs = `${prefix}-sw`;
  }

  /** Builds the switch and the client host's link; add hosts with addHost(). */
  static async create(): Promise<Network> {
    await removeLeftovers();
    const routes = await ip("route", "show");
    const base = process.pid % 250;
    let third = -1;
    for (let i = 0; i < 250 && third < 0; i++) {
      const c = ((base + i) % 250) + 1;
      if (!routes.includes(`10.231.${c}.`)) third = c;
    }
    if (third < 0) throw new Error("no free /24 in 10.231.0.0/16");
    const net = new Network(`rf${process.pid.toString(36)}`, `10.231.${third}`);
    try {
      await ip("netns", "add", net.#switchNs);
      await ip("-n", net.#switchNs, "link", "add", "br0", "type", "bridge");
      await ip("-n", net.#switchNs, "link", "set", "br0", "up");
      // The client host is this (root) namespace: one veth end here, the other on the bridge.
      // "--": no host name starts with "-", so this never collides with a host's link.
      const mine = `${net.prefix}--c`;
      await ip("link", "add", mine, "type", "veth", "peer", "name", `${mine}b`);
      await ip("link", "set", `${mine}b`, "netns", net.#switchNs);
      await ip("-n", net.#switchNs, "link", "set", `${mine}b`, "master", "br0", "up");
      await ip("addr", "add", `${net.clientIp}/24`, "dev", mine);
      await ip("link", "set", mine, "up");
    } catch (err) {
      await net.destroy();
      throw err;
    }
    return net;
  }

  /** A new host: a namespace with loopback and one link to the switch. */
  async addHost(name: string): Promise<NetHost> {
    if (this.#hosts.has(name)) throw new Error(`host ${name} exists`);
    // Interface names have at most 15 bytes: prefix, "-", the name and the peer's "b".
    if (!/^[a-z0-9]{1,6}$/.test(name)) throw new Error(`host name ${name}: 1 to 6 lower-case letters or digits`);
    const host: NetHost = { name, ns: `${this.prefix}-${name}`, ip: `${this.subnet}.${this.#nextHost++}`, iface: `${this.prefix}-${name}` };
    this.#hosts.set(name, host);
    await ip("netns", "add", host.ns);
    await ip("-n", host.ns, "link", "set", "lo", "up");
    await ip("link", "add", host.iface, "type", "veth", "peer", "name", `${host.iface}b`);
    await ip("link", "set", host.iface, "netns", host.ns);
    await ip("link", "set", `${host.iface}b`, "netns", this.#switchNs);
    await ip("-n", this.#switchNs, "link", "set", `${host.iface}b`, "master", "br0", "up");
    await ip("-n", host.ns, "addr", "add", `${host.ip}/24`, "dev", host.iface);
    await ip("-n", host.ns, "link", "set", host.iface, "up");
    return host;
  }

  host(name: string): NetHost {
    const h = this.#hosts.get(name);
    if (!h) throw new Error(`no host ${name}`);
    return h;
  }

  /** The command prefix that runs a program on a host. */
  wrapper(name: string): string[] {
    return ["ip", "netns", "exec", this.host(name).ns];
  }

  /** The host's link goes down: every packet to or from it is lost; its TCP peers notice only by timeouts. */
  async linkDown(name: string): Promise<void> {
    const h = this.host(name);
    await ip("-n", h.ns, "link", "set", h.iface, "down");
  }

  async linkUp(name: string): Promise<void> {
    const h = this.host(name);
    await ip("-n", h.ns, "link", "set", h.iface, "up");
  }

  /** Partitions `name` from each of `others` (both directions, blackhole routes: packets vanish). */
  async cut(name: string, others: string[]): Promise<void> {
    for (const o of others) {
      for (const [from, to] of [[name, o], [o, name]]) {
        const key = `${from}>${to}`;
        if (this.#blackholes.has(key)) continue;
        await ip("-n", this.host(from).ns, "route", "add", "blackhole", `${this.host(to).ip}/32`);
        this.#blackholes.add(key);
      }
    }
  }

  /** Removes every partition. */
  async heal(): Promise<void> {
    for (const key of [...this.#blackholes]) {
      const [from, to] = key.split(">");
      await ip("-n", this.host(from).ns, "route", "del", "blackhole", `${this.host(to).ip}/32`);
      this.#blackholes.delete(key);
    }
  }

  /** Pids of every process on a host. */
  async pids(name: string): Promise<number[]> {
    return (await ip("netns", "pids", this.host(name).ns)).split("\n").map(Number).filter((p) => p > 0);
  }

  /** SIGKILLs every process on a host, as when the machine dies. */
  async killHost(name: string): Promise<number> {
    const pids = await this.pids(name);
    await killAllIn(this.host(name).ns);
    return pids.length;
  }

  /** Removes everything this run made: processes first, then namespaces and links. */
  async destroy(): Promise<void> {
    await removeRun((n) => n.startsWith(`${this.prefix}-`));
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.destroy();
  }
}

/** Names of this machine's namespaces and root links a run with `prefix` still owns (tests of the teardown). */
export async function ownedBy(prefix: string): Promise<string[]> {
  const mine = (n: string): boolean => n.startsWith(`${prefix}-`);
  const links = (await ip("-o", "link", "show")).split("\n").map((l) => l.split(":")[1]?.trim().split("@")[0] ?? "").filter(mine);
  return [...(await namespaces()).filter(mine), ...links];
}
