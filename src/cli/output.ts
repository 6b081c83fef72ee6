// User-facing CLI output: errors as one clear line (never a stack trace), task events as a
// progress bar on a terminal or one line per event otherwise, results as JSON.
import { status as Code } from "@grpc/grpc-js";
import cliProgress from "cli-progress";
import { ConfigError } from "../errors.js";
import type { TaskEvent__Output } from "../generated/recflow/v1/TaskEvent.js";
import type { Task__Output } from "../generated/recflow/v1/Task.js";
import { NatsServerNotFoundError } from "./nats-server.js";
import { RecflowError, codeName } from "../client/index.js";
import { isServiceError } from "../client/errors.js";

/** A usage or input mistake the user can fix: printed without a stack, exit code 2. */
export class UsageError extends Error {
  override name = "UsageError";
}

/** One line for the terminal; `address` helps the UNAVAILABLE hint. */
export function describeError(err: unknown, address?: string): { message: string; exitCode: number } {
  if (err instanceof UsageError || err instanceof ConfigError) return { message: `error: ${err.message}`, exitCode: 2 };
  if (err instanceof NatsServerNotFoundError) return { message: `error: ${err.message}`, exitCode: 2 };
  // The client's errors already say what to fix, on one line.
  if (err instanceof RecflowError) return { message: `error: ${err.message.replace(/^recflow: /, "")}`, exitCode: 1 };
  if (isServiceError(err)) {
    let message = `error: ${codeName(err.code)}: ${err.details}`;
    if (err.code === Code.UNAVAILABLE) {
      message += `\nhint: is a recflow gateway running at ${address ?? "the given address"}? Start the dev stack with \`npm run demo\` or \`recflow dev\`, or pass --address.`;
    }
    return { message, exitCode: 1 };
  }
  return { message: `error: ${err instanceof Error ? err.message : String(err)}`, exitCode: 1 };
}

export function stateName(state: string | undefined): string {
  return (state ?? "UNKNOWN").replace(/^TASK_STATE_/, "");
}

export function printTask(task: Task__Output): void {
  console.log(JSON.stringify({
    id: task.id,
    state: stateName(task.status?.state),
    kind: task.status?.kind?.replace(/^TASK_KIND_/, ""),
    attempt: task.status?.attempt,
    worker: task.status?.workerId || undefined,
    progress: task.status?.progress,
    message: task.status?.message,
    result: task.result ?? undefined,
    error: task.error ?? undefined,
    lastSequence: task.lastSequence,
  }, null, 2));
}

/** Renders a stream of events; returns the terminal event (if the stream reached one). */
export class EventPrinter {
  readonly #bar: cliProgress.SingleBar | undefined;
  #started = false;
  #terminal: TaskEvent__Output | undefined;
  readonly #json: boolean;

  constructor(opts: { tty: boolean; json: boolean }) {
    this.#json = opts.json;
    this.#bar = opts.tty && !opts.json
      ? new cliProgress.SingleBar({ format: " {bar} {percentage}% | {state} | {message}", hideCursor: true, clearOnComplete: false, stream: process.stderr }, cliProgress.Presets.shades_classic)
      : undefined;
  }

  get terminal(): TaskEvent__Output | undefined {
    return this.#terminal;
  }

  onEvent(ev: TaskEvent__Output): void {
    if (ev.event === "succeeded" || ev.event === "failed" || ev.event === "cancelled") this.#terminal = ev;
    if (this.#json) {
      console.log(JSON.stringify(ev));
      return;
    }
    if (ev.partialResult) {
      this.#printPartial(ev);
      return;
    }
    const state = stateName(ev.status?.state);
    const fraction = ev.status?.progress ?? 0;
    const metrics = ev.progress?.metrics && Object.keys(ev.progress.metrics).length > 0
      ? " " + Object.entries(ev.progress.metrics).map(([k, v]) => `${k}=${Number(v.toPrecision(4))}`).join(" ")
      : "";
    const message = `${ev.status?.message ?? ""}${metrics}`.slice(0, 80);
    if (this.#bar) {
      if (!this.#started) {
        this.#bar.start(100, 0, { state, message });
        this.#started = true;
      }
      this.#bar.update(Math.round(fraction * 100), { state: `${state} (attempt ${ev.status?.attempt ?? 0})`, message });
      if (this.#terminal) this.#bar.stop();
    } else {
      console.error(`#${ev.sequence} ${ev.event ?? "?"} state=${state} attempt=${ev.status?.attempt ?? 0} progress=${Math.round(fraction * 100)}% ${message}`);
    }
  }

  stop(): void {
    if (this.#started) this.#bar?.stop();
  }

  /** Streamed results go to stdout as they arrive, one line per user or item. */
  #printPartial(ev: TaskEvent__Output): void {
    const chunk = ev.partialResult!;
    const fmt = (items: { itemId: string; score: number }[]): string => items.map((i) => `${i.itemId} (${i.score.toFixed(3)})`).join(", ");
    const lines = [
      ...chunk.recommendations.map((r) => `${r.userId}${r.coldStart ? " [cold start: popular items]" : ""}: ${fmt(r.items)}`),
      ...chunk.neighbours.map((n) => `${n.itemId}${n.unknown ? " [unknown item]" : ""}: ${fmt(n.similar)}`),
    ];
    this.#bar?.stop();
    for (const l of lines) console.log(l);
    if (this.#started) this.#bar?.start(100, Math.round((ev.status?.progress ?? 0) * 100), { state: stateName(ev.status?.state), message: "" });
  }
}
