// `recflow dev`: the embedded default. Uses the NATS at NATS_URL when given, otherwise starts a
// local nats-server with its store in ~/.recflow/nats; then runs a gateway and N workers as
// child processes. Ctrl-C (or SIGTERM) stops them all cleanly, workers first.
import { homedir } from "node:os";
import { join } from "node:path";
import { LocalNatsServer } from "./nats-server.js";
import { spawnRecflow, stopProc, type Proc } from "./processes.js";

export interface DevOptions {
  natsUrl?: string;
  grpcAddress: string;
  workers: number;
  threads?: number;
  storeDir?: string;
  logLevel?: string;
  /** Also run the web dashboard (`recflow ui`) on this host:port. */
  uiAddress?: string;
  /** Runs after the stack is up; the stack stops when it resolves. */
  then?: (address: string) => Promise<number>;
}

const startChild = (name: string, args: string[], env: NodeJS.ProcessEnv): Promise<Proc> =>
  spawnRecflow(name, args, { env, stderr: "inherit", onOutput: (line) => process.stdout.write(`${line}\n`) });

export async function runDev(opts: DevOptions): Promise<number> {
  let nats: LocalNatsServer | undefined;
  let natsUrl = opts.natsUrl;
  if (!natsUrl) {
    const storeDir = opts.storeDir ?? join(homedir(), ".recflow", "nats");
    nats = await LocalNatsServer.start({ storeDir });
    natsUrl = nats.url;
    console.error(`recflow dev: started nats-server at ${natsUrl} (store ${storeDir})`);
  } else {
    console.error(`recflow dev: using NATS at ${natsUrl}`);
  }
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NATS_URL: natsUrl,
    RECFLOW_GRPC_ADDRESS: opts.grpcAddress,
    RECFLOW_LOG_LEVEL: opts.logLevel ?? process.env.RECFLOW_LOG_LEVEL ?? "warn",
    ...(opts.threads ? { RECFLOW_THREADS: String(opts.threads) } : {}),
  };
  const children: Proc[] = [];
  let exitCode: number;
  try {
    // The dashboard's queue chart reads the gateway's /metrics: give it one when none is set.
    const gwEnv = opts.uiAddress && !env.RECFLOW_METRICS_ADDRESS ? { ...env, RECFLOW_METRICS_ADDRESS: "127.0.0.1:0" } : env;
    const gw = await startChild("gateway", ["gateway"], gwEnv);
    children.push(gw);
    const port = Number(gw.ready.port);
    const address = `${opts.grpcAddress.replace(/:\d+$/, "")}:${port}`;
    const workers = await Promise.all(Array.from({ length: opts.workers }, (_, i) => startChild(`worker-${i + 1}`, ["worker"], { ...env, RECFLOW_WORKER_ID: `dev-worker-${i + 1}` })));
    children.push(...workers);
    if (opts.uiAddress) {
      const metricsUrl = gw.ready.metricsPort ? `http://127.0.0.1:${Number(gw.ready.metricsPort)}/metrics` : "";
      const ui = await startChild("ui", ["ui", "--address", address, "--listen", opts.uiAddress, ...(metricsUrl ? ["--metrics-url", metricsUrl] : [])], env);
      children.push(ui);
      console.error(`recflow dev: dashboard at ${String(ui.ready.url)}`);
    }
    console.error(`recflow dev: gateway at ${address}, ${opts.workers} workers; Ctrl-C stops everything`);
    const stopped = new Promise<number>((resolve) => {
      process.once("SIGINT", () => resolve(0));
      process.once("SIGTERM", () => resolve(0));
      for (const c of children) void c.exited.then(({ code }) => resolve(code === 0 ? 0 : 1));
    });
    exitCode = await (opts.then ? Promise.race([opts.then(address), stopped]) : stopped);
  } finally {
    // Workers first (they hand back or finish tasks), then the gateway, then NATS.
    await Promise.all(children.filter((c) => c.name.startsWith("worker")).map((c) => stopProc(c)));
    await Promise.all(children.filter((c) => c.name === "ui").map((c) => stopProc(c)));
    await Promise.all(children.filter((c) => c.name === "gateway").map((c) => stopProc(c)));
    await nats?.stop();
    console.error("recflow dev: stopped");
  }
  return exitCode;
}
