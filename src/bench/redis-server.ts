// A throw-away redis-server for the bench's BullMQ peer: Debian's binary on a free loopback port
// with a temp directory, as LocalNatsServer runs nats-server. It never touches a Redis the machine
// may already run (6379). Persistence is an append-only file synced every second, the nearest
// Redis setting to JetStream's file store (written before the PubAck, synced in the background).
import { spawn, type ChildProcess } from "node:child_process";
import { accessSync, constants, mkdtempSync, rmSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { freePort } from "../cli/nats-server.js";

export class RedisServerNotFoundError extends Error {
  override name = "RedisServerNotFoundError";
}

function findRedisServer(): string {
  for (const c of [process.env.REDIS_SERVER_BIN, "/usr/bin/redis-server", "/usr/local/bin/redis-server"]) {
    if (!c) continue;
    try {
      accessSync(c, constants.X_OK);
      return c;
    } catch {
      // not this one
    }
  }
  throw new RedisServerNotFoundError("redis-server not found in /usr/bin or REDIS_SERVER_BIN; `bash scripts/setup.sh` installs it (Debian: apt-get install redis-server)");
}

/** Whether the server answers PING with PONG (not -LOADING while it reads its file). */
function pong(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, "127.0.0.1");
    let got = "";
    s.setTimeout(1_000, () => s.destroy());
    s.once("connect", () => s.write("PING\r\n"));
    s.on("data", (d) => {
      got += d.toString();
      if (got.includes("\r\n")) {
        s.destroy();
        resolve(got.startsWith("+PONG"));
      }
    });
    s.once("error", () => resolve(false));
    s.once("close", () => resolve(false));
  });
}

export class LocalRedisServer {
  readonly port: number;
  readonly #dir: string;
  readonly #child: ChildProcess;

  private constructor(child: ChildProcess, port: number, dir: string) {
    this.#child = child;
    this.port = port;
    this.#dir = dir;
  }

  static async start(timeoutMs = 10_000): Promise<LocalRedisServer> {
    const bin = findRedisServer();
    const port = await freePort();
    const dir = mkdtempSync(join(tmpdir(), "recflow-bench-redis-"));
    const child = spawn(bin, [
      "--bind", "127.0.0.1", "--port", String(port), "--dir", dir, "--save", "",
      "--appendonly", "yes", "--appendfsync", "everysec", "--daemonize", "no", "--loglevel", "warning",
    ], { stdio: "ignore" });
    const server = new LocalRedisServer(child, port, dir);
    const deadline = Date.now() + timeoutMs;
    while (!(await pong(port))) {
      if (child.exitCode !== null || Date.now() > deadline) {
        await server.stop();
        throw new Error(`redis-server did not answer PING on port ${port} within ${timeoutMs} ms`);
      }
      await sleep(50);
    }
    return server;
  }

  get pid(): number | undefined {
    return this.#child.pid;
  }

  async stop(): Promise<void> {
    if (this.#child.exitCode === null && this.#child.signalCode === null) {
      const exited = new Promise<void>((r) => this.#child.once("exit", () => r()));
      this.#child.kill("SIGKILL");
      await exited;
    }
    rmSync(this.#dir, { recursive: true, force: true });
  }
}
