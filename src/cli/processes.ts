// recflow gateway/worker processes run by a supervisor (`recflow dev`, the benches, the tests):
// spawn one, wait for the JSON `ready` line it prints on stdout, stop it with a signal.
import { spawn, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

/** The CLI entry point of this build (dist/cli/main.js). */
export const CLI_ENTRY = fileURLToPath(new URL("./main.js", import.meta.url));

export interface Proc {
  name: string;
  child: ChildProcess;
  /** The process's ready line, e.g. { ready: "gateway", port, metricsPort }. */
  ready: Record<string, unknown>;
  /** stderr lines (JSON logs) so far, when stderr is captured. */
  logs: string[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export interface SpawnOptions {
  env: NodeJS.ProcessEnv;
  /** "capture" keeps stderr in `logs`; "inherit" shows it. @default "capture" */
  stderr?: "capture" | "inherit";
  /** Non-JSON stdout lines go here. @default dropped */
  onOutput?: (line: string) => void;
  readyTimeoutMs?: number;
  /** @default CLI_ENTRY */
  entry?: string;
  /** A command the process runs under, e.g. ["ip", "netns", "exec", "host1"]; it must exec node in place, so signals reach it. @default none */
  wrapper?: string[];
}

export async function spawnRecflow(name: string, args: string[], opts: SpawnOptions): Promise<Proc> {
  const [command, ...prefix] = [...(opts.wrapper ?? []), process.execPath];
  const child = spawn(command, [...prefix, opts.entry ?? CLI_ENTRY, ...args], {
    env: opts.env,
    stdio: ["ignore", "pipe", opts.stderr === "inherit" ? "inherit" : "pipe"],
  });
  const logs: string[] = [];
  if (child.stderr) createInterface({ input: child.stderr }).on("line", (l) => logs.push(l));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once("exit", (code, signal) => resolve({ code, signal })));
  const timeoutMs = opts.readyTimeoutMs ?? 20_000;
  const ready = await new Promise<Record<string, unknown>>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`${name} not ready in ${timeoutMs} ms${logs.length ? `; logs:\n${logs.join("\n")}` : ""}`));
    }, timeoutMs);
    if (!child.stdout) throw new Error("spawned without a stdout pipe");
    createInterface({ input: child.stdout }).on("line", (line) => {
      let msg: Record<string, unknown> | undefined;
      try {
        msg = JSON.parse(line) as Record<string, unknown>;
      } catch {
        // not JSON: ordinary output
      }
      if (msg?.ready) {
        clearTimeout(timer);
        resolve(msg);
      } else opts.onOutput?.(line);
    });
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited (${code ?? signal}) during start-up${logs.length ? `; logs:\n${logs.join("\n")}` : " (see its log above)"}`));
    });
  });
  return { name, child, ready, logs, exited };
}

/** Sends `signal` unless the process already ended, and waits for the exit. */
export async function stopProc(p: Proc, signal: NodeJS.Signals = "SIGTERM"): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill(signal);
  return p.exited;
}

export function isRunning(p: Proc): boolean {
  return p.child.exitCode === null && p.child.signalCode === null;
}
