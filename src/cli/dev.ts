// `recflow dev`: the embedded default. Uses the NATS at NATS_URL when given, otherwise starts a
// local nats-server with its store in ~/.recflow/nats; then runs a gateway and N workers as
// child processes. Ctrl-C (or SIGTERM) stops them all cleanly, workers first.
import { spawn, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";
import { homedir } from "node:os";
import { join } from "node:path";
import { LocalNatsServer } from "./nats-server.js";

export interface DevOptions {
  natsUrl?: string;
  grpcAddress: string;
  workers: number;
  threads?: number;
  storeDir?: string;
  logLevel?: string;
  /** Runs after the stack is up; the stack stops when it resolves. */
  then?: (address: string) => Promise<number>;
}

interface Child {
  name: string;
  proc: ChildProcess;
}

function startChild(name: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ child: Child; ready: Record<string, unknown> }> {
  const proc = spawn(process.execPath, [process.argv[1], ...args], { env, stdio: ["ignore", "pipe", "inherit"] });
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: proc.stdout });
    lines.on("line", (line) => {
      try {
        const msg = JSON.parse(line) as Record<string, unknown>;
        if (msg.ready) resolve({ child: { name, proc }, ready: msg });
      } catch {
        process.stdout.write(`${line}\n`);
      }
    });
    proc.once("exit", (code) => reject(new Error(`${name} exited with code ${code} during start-up (see its log above)`)));
  });
}

async function stopChild(c: Child): Promise<void> {
  if (c.proc.exitCode !== null || c.proc.signalCode !== null) return;
  const exited = new Promise<void>((r) => c.proc.once("exit", () => r()));
  c.proc.kill("SIGTERM");
  await exited;
}

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
  const children: Child[] = [];
  let exitCode: number;
  try {
    const gw = await startChild("gateway", ["gateway"], env);
    children.push(gw.child);
    const port = Number(gw.ready.port);
    const address = `${opts.grpcAddress.replace(/:\d+$/, "")}:${port}`;
    const workers = await Promise.all(Array.from({ length: opts.workers }, (_, i) => startChild(`worker-${i + 1}`, ["worker"], { ...env, RECFLOW_WORKER_ID: `dev-worker-${i + 1}` })));
    children.push(...workers.map((w) => w.child));
    console.error(`recflow dev: gateway at ${address}, ${opts.workers} workers; Ctrl-C stops everything`);
    const stopped = new Promise<number>((resolve) => {
      process.once("SIGINT", () => resolve(0));
      process.once("SIGTERM", () => resolve(0));
      for (const c of children) c.proc.once("exit", (code) => resolve(code === 0 ? 0 : 1));
    });
    exitCode = await (opts.then ? Promise.race([opts.then(address), stopped]) : stopped);
  } finally {
    // Workers first (they hand back or finish tasks), then the gateway, then NATS.
    await Promise.all(children.filter((c) => c.name.startsWith("worker")).map(stopChild));
    await Promise.all(children.filter((c) => c.name === "gateway").map(stopChild));
    await nats?.stop();
    console.error("recflow dev: stopped");
  }
  return exitCode;
}
