// Runs a client program of another language (the Go example, Python's tests) as a child process:
// its output is collected line by line, a test can wait for a line, and the exit is awaited with
// a deadline that kills the child instead of hanging the suite.
import { spawn, type ChildProcess } from "node:child_process";
import { createServer } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";

export interface ProgramExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export class ClientProgram {
  readonly child: ChildProcess;
  stdout = "";
  stderr = "";
  readonly #exited: Promise<ProgramExit>;

  constructor(command: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}) {
    this.child = spawn(command, args, { cwd: opts.cwd, env: opts.env ?? process.env, stdio: ["ignore", "pipe", "pipe"] });
    this.child.stdout!.setEncoding("utf8").on("data", (s: string) => (this.stdout += s));
    this.child.stderr!.setEncoding("utf8").on("data", (s: string) => (this.stderr += s));
    this.#exited = new Promise((resolve, reject) => {
      this.child.once("error", reject);
      this.child.once("close", (code, signal) => resolve({ code, signal, stdout: this.stdout, stderr: this.stderr }));
    });
  }

  /** Resolves once stdout has a line matching `re`; rejects (with the output so far) at the deadline or on exit. */
  async waitForLine(re: RegExp, timeoutMs: number): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const line = this.stdout.split("\n").find((l) => re.test(l));
      if (line !== undefined) return line;
      if (this.child.exitCode !== null || Date.now() > deadline) {
        throw new Error(`no line matching ${re} (exit ${this.child.exitCode})\nstdout:\n${this.stdout}\nstderr:\n${this.stderr}`);
      }
      await sleep(50); // poll with the deadline above: output arrives in chunks, not lines
    }
  }

  /** The exit, killing the child with SIGKILL if it has not exited within `timeoutMs`. */
  async exit(timeoutMs: number): Promise<ProgramExit> {
    const timer = setTimeout(() => this.child.kill("SIGKILL"), timeoutMs);
    try {
      return await this.#exited;
    } finally {
      clearTimeout(timer);
    }
  }
}

/** Runs a program to its end (killed after `timeoutMs`). */
export function runProgram(command: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<ProgramExit> {
  return new ClientProgram(command, args, opts).exit(opts.timeoutMs ?? 60_000);
}

/** A localhost port with nothing listening on it (bound, then released). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      const port = typeof addr === "object" && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}
