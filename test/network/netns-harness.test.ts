// The network harness itself: hosts reach each other over the bridge, a link set down and a
// partition really cut traffic, and teardown leaves no namespace, link or process behind, even
// after a run that died without tearing down.
import { execFile, spawn } from "node:child_process";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Network, netnsUnsupportedReason, ownedBy, removeLeftovers } from "../helpers/netns.js";

const run = promisify(execFile);
const unsupported = await netnsUnsupportedReason();
if (unsupported) console.warn(`skipping the network harness tests: ${unsupported}`);

/** True when `from` gets an answer to one ping of `to` within a second. */
async function pings(net: Network, from: string, to: string): Promise<boolean> {
  try {
    await run("ip", ["netns", "exec", net.host(from).ns, "ping", "-c", "1", "-W", "1", net.host(to).ip]);
    return true;
  } catch {
    return false;
  }
}

describe.skipIf(unsupported !== undefined)("network namespaces as hosts", () => {
  let net: Network | undefined;
  beforeAll(async () => {
    net = await Network.create();
    for (const h of ["a", "b", "c"]) await net.addHost(h);
  });
  afterAll(async () => {
    await net?.destroy();
  });

  it("connects every host over the bridge, and the test process as the client host", async () => {
    const n = net!;
    expect(await pings(n, "a", "b")).toBe(true);
    expect(await pings(n, "c", "a")).toBe(true);
    await run("ping", ["-c", "1", "-W", "1", n.host("b").ip]);
  });

  it("cuts a host off with its link down, and restores it with the link up", async () => {
    const n = net!;
    await n.linkDown("b");
    expect(await pings(n, "a", "b")).toBe(false);
    await n.linkUp("b");
    expect(await pings(n, "a", "b")).toBe(true);
  });

  it("partitions one host from chosen others while the rest still reach it", async () => {
    const n = net!;
    await n.cut("a", ["b"]);
    expect(await pings(n, "a", "b")).toBe(false);
    expect(await pings(n, "b", "a")).toBe(false);
    expect(await pings(n, "c", "a")).toBe(true);
    await n.heal();
    expect(await pings(n, "a", "b")).toBe(true);
  });

  it("leaves no namespace, link or process behind, and removes what a dead run left", async () => {
    const n = net!;
    const sleeper = spawn("ip", ["netns", "exec", n.host("c").ns, "sleep", "600"], { stdio: "ignore" });
    await new Promise((r) => sleeper.once("spawn", r));
    // "spawn" is `ip` starting; it enters the namespace (setns, then exec) a moment later, so
    // poll: a CI run listed the namespace's pids before it had.
    const inside = async (): Promise<boolean> => (await n.pids("c")).includes(sleeper.pid!);
    for (let i = 0; i < 50 && !(await inside()); i++) await new Promise((r) => setTimeout(r, 100));
    expect(await n.pids("c")).toContain(sleeper.pid);
    await n.destroy();
    expect(await ownedBy(n.prefix)).toEqual([]);
    expect(sleeper.exitCode ?? sleeper.signalCode ?? (await new Promise((r) => sleeper.once("exit", (_c, s) => r(s))))).toBe("SIGKILL");

    // A run whose test process died (pid 2^22 + 1 is above Linux's pid_max, so never alive) left
    // a namespace and a link: the next run's removeLeftovers() takes them away.
    const dead = `rf${(4_194_305).toString(36)}`;
    await run("ip", ["netns", "add", `${dead}-x`]);
    await run("ip", ["link", "add", `${dead}-y`, "type", "veth", "peer", "name", `${dead}-yb`]);
    await removeLeftovers();
    expect(await ownedBy(dead)).toEqual([]);
  });
});
