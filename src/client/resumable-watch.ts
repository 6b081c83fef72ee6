// A watch stream that survives the gateway going away: on UNAVAILABLE (a restart, a drain, a cut
// connection) it reopens the call with after_sequence = the last event it yielded, so the caller
// sees every event once, in order.
// Shared by WatchTask (one task) and WatchTasks (many): both order events by the RECFLOW_EVENTS
// stream sequence, which is what makes after_sequence a gap-free resume point.
import { setTimeout as sleep } from "node:timers/promises";
import { status as Code, type ClientReadableStream, type ServiceError } from "@grpc/grpc-js";
import type { TaskEvent__Output } from "../generated/recflow/v1/TaskEvent.js";
import { RecflowError, TlsHandshakeError } from "./errors.js";

export interface ResumableWatchOptions {
  afterSequence: number;
  signal: AbortSignal | undefined;
  target: string;
  reconnect: { initialMs: number; maxMs: number; timeoutMs: number };
  /** True once the events seen so far are all the stream will send (e.g. the terminal event). */
  isComplete: (ev: TaskEvent__Output) => boolean;
}

const isStatus = (err: unknown): err is ServiceError => err instanceof Error && typeof (err as Partial<ServiceError>).code === "number";

/** How long a complete watch may take to end by itself before it is cancelled. */
const END_GRACE_MS = 5_000;

function cancelUnlessEnded(stream: ClientReadableStream<TaskEvent__Output>): void {
  const timer = setTimeout(() => stream.cancel(), END_GRACE_MS).unref();
  stream.once("status", () => clearTimeout(timer));
  // Unread messages would hold the call open: drop them, the status still arrives.
  stream.resume();
}

export async function* resumableWatch(
  open: (afterSequence: number) => ClientReadableStream<TaskEvent__Output>,
  opts: ResumableWatchOptions,
): AsyncGenerator<TaskEvent__Output, void, undefined> {
  const { signal, reconnect } = opts;
  let after = opts.afterSequence;
  let tries = 0;
  let quietSince = Date.now();
  for (;;) {
    signal?.throwIfAborted();
    const stream = open(after);
    // The loop below reads errors through the stream's async iterator; this listener catches the
    // CANCELLED status grpc-js emits after we cancel a stream nobody reads any more, which would
    // otherwise be an unhandled 'error' event.
    stream.on("error", () => undefined);
    const onAbort = (): void => stream.cancel();
    signal?.addEventListener("abort", onAbort, { once: true });
    let failure: ServiceError;
    let complete = false;
    try {
      for await (const ev of stream as AsyncIterable<TaskEvent__Output>) {
        const seq = Number(ev.sequence);
        // Never yield an event twice, even if a resumed stream re-sent one.
        if (seq <= after) continue;
        after = seq;
        tries = 0;
        quietSince = Date.now();
        complete = opts.isComplete(ev);
        yield ev;
        if (complete) return;
      }
      // A clean end (status OK) is the gateway saying the watch is over: after the terminal event,
      // or at once when afterSequence is already past it. A gateway that goes away ends streams
      // with UNAVAILABLE instead (test/fault/graceful-shutdown.test.ts), handled below.
      return;
    } catch (err) {
      if (signal?.aborted) throw signal.reason;
      if (!isStatus(err) || err.code !== Code.UNAVAILABLE) throw RecflowError.from(err, opts.target);
      failure = err;
    } finally {
      signal?.removeEventListener("abort", onAbort);
      // A complete watch is ended by the gateway right after its last event: let it end (a
      // cancel now would send RST_STREAM, and the gateway's HTTP/2 layer, nghttp2, closes a
      // connection whose client resets more than ~33 streams a second after a burst of 1000:
      // GOAWAY INTERNAL_ERROR, every call on it failed; seen with a few hundred runs a second).
      // The cancel waits in case it never ends. A consumer that leaves the loop early (break,
      // return, an abort) ends the call at once.
      if (complete) cancelUnlessEnded(stream);
      else stream.cancel();
    }
    const typed = RecflowError.from(failure, opts.target);
    // A bad CA does not get better by retrying; a gateway that stays away is reported after a while.
    if (typed instanceof TlsHandshakeError || Date.now() - quietSince > reconnect.timeoutMs) throw typed;
    const delayMs = Math.min(reconnect.maxMs, reconnect.initialMs * 2 ** tries);
    tries++;
    await sleep(delayMs, undefined, { signal }).catch(() => {
      throw signal?.reason;
    });
  }
}
