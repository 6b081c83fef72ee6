// A process that starts while its NATS cluster cannot serve JetStream yet (one node up of three:
// no meta leader, so JetStream answers 503 or nothing) waits for it instead of exiting. The
// nemesis run saw a worker restarted right after a NATS disruption exit with a bare 503.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { compileConfig } from "../../src/config.js";
import { LocalNatsServer, freePort } from "../../src/cli/nats-server.js";
import { createLogger } from "../../src/log.js";
import { Broker, ensureTopology } from "../../src/nats/index.js";

describe("start-up while the NATS cluster has no JetStream leader", () => {
  const dir = mkdtempSync(join(tmpdir(), "recflow-js-wait-"));
  const servers: LocalNatsServer[] = [];
  let broker: Broker | undefined;
  afterAll(async () => {
    await broker?.close().catch(() => undefined);
    await Promise.all(servers.map((s) => s.stop("SIGKILL")));
    rmSync(dir, { recursive: true, force: true });
  });

  it("connects, waits for the cluster to elect a leader, then creates its streams", async () => {
    const routePorts = await Promise.all([freePort(), freePort(), freePort()]);
    const routes = routePorts.map((p) => `nats://127.0.0.1:${p}`).join(",");
    const start = (i: number): Promise<LocalNatsServer> => LocalNatsServer.start({
      storeDir: join(dir, `n${i + 1}`),
      args: ["-n", `n${i + 1}`, "--cluster_name", "recflow-wait", "--cluster", `nats://127.0.0.1:${routePorts[i]}`, "--routes", routes],
    });
    servers.push(await start(0));
    const logLines: string[] = [];
    const log = createLogger({ level: "warn", name: "js-wait" });
    const warn = log.warn.bind(log);
    log.warn = ((...args: Parameters<typeof warn>) => {
      logLines.push(String(args.at(-1)));
      return warn(...args);
    });

    // One node of three: reachable, but JetStream has no quorum.
    const started = Date.now();
    const connecting = Broker.connect({ servers: [servers[0].url], name: "js-wait", publishTimeoutMs: 1_000 }, log).then(async (b) => {
      broker = b;
      await ensureTopology(b.jsm, compileConfig({ streamReplicas: 3 }, {}), log);
      return Date.now();
    });
    await new Promise((r) => setTimeout(r, 4_000));
    servers.push(await start(1), await start(2));
    const ready = await connecting;
    // It waited (and said so) rather than failing, and finished once the cluster could answer.
    expect(ready - started).toBeGreaterThan(4_000);
    expect(logLines.some((l) => l.includes("JetStream not answering yet"))).toBe(true);
    const info = await broker!.jsm.streams.info("RECFLOW_EVENTS");
    expect(info.config.num_replicas).toBe(3);
  }, 120_000);
});
