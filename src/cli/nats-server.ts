// Finds and runs a local nats-server with JetStream: the embedded default of `recflow dev` and
// the per-suite server of the tests. Picks a free port, keeps its store in the given directory,
// and resolves once the server accepts connections.
import { spawn, type ChildProcess } from "node:child_process";
import { accessSync, constants, mkdirSync } from "node:fs";
import { createServer, connect as tcpConnect } from "node:net";
import { delimiter, join } from "node:path";

export class NatsServerNotFoundError extends Error {
  override name = "NatsServerNotFoundError";
}

export function findNatsServer(env: NodeJS.ProcessEnv = process.env): string {
  const candidates = [
    env.NATS_SERVER_BIN,
    ...(env.PATH ?? "").split(delimiter).filter(Boolean).map((d) => join(d, "nats-server")),
    "/usr/sbin/nats-server",
    "/usr/local/bin/nats-server",
  ].filter((c): c is string => Boolean(c));
  for (const c of candidates) {
    try {
      accessSync(c, constants.X_OK);
      return c;
    } catch {
      // not this one
    }
  }
  throw new NatsServerNotFoundError("nats-server not found on PATH, in /usr/sbin or in NATS_SERVER_BIN; install it with `bash scripts/install-nats.sh` (Debian: apt-get install nats-server)");
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === "object" && addr ? resolve(addr.port) : reject(new Error("no port"))));
    });
  });
}

async function waitForPort(port: number, timeoutMs: number, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`nats-server exited with code ${child.exitCode} before accepting connections`);
    const ok = await new Promise<boolean>((resolve) => {
      const s = tcpConnect(port, "127.0.0.1");
      s.once("connect", () => {
        s.destroy();
        resolve(true);
      });
      s.once("error", () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`nats-server did not accept connections on port ${port} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export interface LocalNatsServerOptions {
  storeDir: string;
  port?: number;
  /** Extra nats-server arguments (e.g. cluster routes). */
  args?: string[];
  /** Where nats-server's own log goes. @default "ignore" */
  stdio?: "ignore" | "inherit";
}

export class LocalNatsServer {
  readonly port: number;
  readonly url: string;
  readonly storeDir: string;
  readonly #opts: LocalNatsServerOptions;
  #child: ChildProcess;

  private constructor(child: ChildProcess, port: number, opts: LocalNatsServerOptions) {
    this.#child = child;
    this.port = port;
    this.url = `nats://127.0.0.1:${port}`;
    this.storeDir = opts.storeDir;
    this.#opts = opts;
  }

  static async start(opts: LocalNatsServerOptions): Promise<LocalNatsServer> {
    const port = opts.port ?? (await freePort());
    const child = LocalNatsServer.#spawn(port, opts);
    const server = new LocalNatsServer(child, port, opts);
    await waitForPort(port, 10_000, child);
    return server;
  }

  static #spawn(port: number, opts: LocalNatsServerOptions): ChildProcess {
    mkdirSync(opts.storeDir, { recursive: true });
    return spawn(findNatsServer(), ["-a", "127.0.0.1", "-p", String(port), "-js", "-sd", opts.storeDir, ...(opts.args ?? [])], {
      stdio: opts.stdio ?? "ignore",
    });
  }

  get pid(): number | undefined {
    return this.#child.pid;
  }

  /** SIGKILL (crash) or SIGTERM (clean stop), then wait for the exit. */
  async stop(signal: NodeJS.Signals = "SIGTERM"): Promise<void> {
    if (this.#child.exitCode !== null || this.#child.signalCode !== null) return;
    const exited = new Promise<void>((r) => this.#child.once("exit", () => r()));
    this.#child.kill(signal);
    await exited;
  }

  /** Starts the server again on the same port and store (after stop()). */
  async restart(): Promise<void> {
    await this.stop();
    this.#child = LocalNatsServer.#spawn(this.port, this.#opts);
    await waitForPort(this.port, 10_000, this.#child);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }
}
