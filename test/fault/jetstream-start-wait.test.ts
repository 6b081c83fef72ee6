// A process that starts while its NATS cluster cannot serve JetStream yet waits for it instead of
// exiting:
// - one node up of three: no meta leader, so JetStream answers 503 or nothing (the nemesis run saw
//   a worker restarted right after a NATS disruption exit with a bare 503);
// - two nodes up of three: JetStream answers, but a stream or bucket with three replicas has "no
//   suitable peers for placement" until the third joins (CI saw a gateway exit with that while a
//   network test's cluster was still forming); one that never finds the third peer gives up with
//   what to check (the network tests saw a node left out of the meta group until restarted).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { compileConfig } from "../../src/config.js";
import { LocalNatsServer, freePort } from "../../src/cli/nats-server.js";
import { createLogger, type Logger } from "../../src/log.js";
import { Broker, MODELS_BUCKET, MODEL_ALIASES_BUCKET, ensureTopology, openStores } from "../../src/nats/index.js";
import { NO_PEERS_HINT, untilJetStreamAnswers } from "../../src/nats/connection.js";
import { UnavailableError } from "../../src/errors.js";

describe("start-up while the NATS cluster is still forming", () => {
  const dirs: string[] = [];
  const servers: LocalNatsServer[] = [];
  let broker: Broker | undefined;
  afterEach(async () => {
    await broker?.close().catch(() => undefined);
    broker = undefined;
    await Promise.all(servers.splice(0).map((s) => s.stop("SIGKILL")));
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  /** A three-node cluster whose nodes start when asked (`start(i)`). */
  async function cluster(name: string): Promise<(i: number) => Promise<LocalNatsServer>> {
    const dir = mkdtempSync(join(tmpdir(), "recflow-js-wait-"));
    dirs.push(dir);
    const routePorts = await Promise.all([freePort(), freePort(), freePort()]);
    const routes = routePorts.map((p) => `nats://127.0.0.1:${p}`).join(",");
    return async (i) => {
      const s = await LocalNatsServer.start({
        storeDir: join(dir, `n${i + 1}`),
        args: ["-n", `n${i + 1}`, "--cluster_name", name, "--cluster", `nats://127.0.0.1:${routePorts[i]}`, "--routes", routes],
      });
      servers.push(s);
      return s;
    };
  }

  /** A logger that also keeps the text of each warning. */
  function recordingLogger(lines: string[]): Logger {
    const log = createLogger({ level: "warn", name: "js-wait" });
    const warn = log.warn.bind(log);
    log.warn = ((...args: Parameters<typeof warn>) => {
      lines.push(String(args.at(-1)));
      return warn(...args);
    });
    return log;
  }

  /** What a gateway or worker does at start-up: connect, create streams, open the buckets. */
  async function startUp(url: string, log: Logger): Promise<number> {
    const b = await Broker.connect({ servers: [url], name: "js-wait", publishTimeoutMs: 1_000 }, log);
    broker = b;
    await ensureTopology(b.jsm, compileConfig({ streamReplicas: 3 }, {}), log);
    await openStores(b, 3, log);
    return Date.now();
  }

  it("connects, waits for the cluster to elect a leader, then creates its streams", async () => {
    const start = await cluster("recflow-wait");
    const first = await start(0);
    const lines: string[] = [];
    // One node of three: reachable, but JetStream has no quorum.
    const started = Date.now();
    const ready = startUp(first.url, recordingLogger(lines));
    await new Promise((r) => setTimeout(r, 4_000));
    await Promise.all([start(1), start(2)]);
    // It waited (and said so) rather than failing, and finished once the cluster could answer.
    expect(await ready - started).toBeGreaterThan(4_000);
    expect(lines.some((l) => l.includes("JetStream cluster not ready yet"))).toBe(true);
    const info = await broker!.jsm.streams.info("RECFLOW_EVENTS");
    expect(info.config.num_replicas).toBe(3);
  }, 120_000);

  it("waits while three replicas have no peers to be placed on, then creates streams and buckets", async () => {
    const start = await cluster("recflow-place");
    const first = await start(0);
    await start(1);
    const lines: string[] = [];
    const log = recordingLogger(lines);
    // Two nodes of three: JetStream answers, but cannot place three replicas.
    const started = Date.now();
    const ready = startUp(first.url, log);
    await new Promise((r) => setTimeout(r, 4_000));
    await start(2);
    expect(await ready - started).toBeGreaterThan(4_000);
    expect(lines.some((l) => l.includes("JetStream cluster not ready yet"))).toBe(true);
    expect((await broker!.jsm.streams.info("RECFLOW_TASKS")).config.num_replicas).toBe(3);
    expect((await broker!.jsm.streams.info(`OBJ_${MODELS_BUCKET}`)).config.num_replicas).toBe(3);
    expect((await broker!.jsm.streams.info(`KV_${MODEL_ALIASES_BUCKET}`)).config.num_replicas).toBe(3);
  }, 120_000);

  it("gives up on three replicas with two peers, saying what to check", async () => {
    const start = await cluster("recflow-never");
    const first = await start(0);
    await start(1);
    const lines: string[] = [];
    const log = recordingLogger(lines);
    const b = await Broker.connect({ servers: [first.url], name: "js-wait", publishTimeoutMs: 1_000 }, log);
    broker = b;
    const started = Date.now();
    const err = await untilJetStreamAnswers("creating streams", () => b.jsm.streams.add({ name: "NEVER_PLACED", subjects: ["never.placed"], num_replicas: 3 }), log, 3_000)
      .then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(UnavailableError);
    expect((err as Error).message).toContain("creating streams: no NATS servers to place the replicas on after 3 s");
    expect((err as Error).message).toContain(NO_PEERS_HINT);
    expect(Date.now() - started).toBeLessThan(10_000);
    // It retried meanwhile, and nothing was created.
    expect(lines.filter((l) => l.includes("JetStream cluster not ready yet")).length).toBeGreaterThan(1);
    await expect(b.jsm.streams.info("NEVER_PLACED")).rejects.toThrow();
  }, 60_000);
});
