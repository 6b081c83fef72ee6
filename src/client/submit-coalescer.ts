// Coalesces concurrent RecflowClient.submit calls into BatchSubmitTasks, the way Google's Pub/Sub
// publisher and DataLoader batch: the submits made while the event loop runs one iteration are
// queued and sent together when it reaches its check phase (setImmediate). One unary SubmitTask
// costs the client and the gateway about as much CPU as the task itself; a batch entry costs a
// fraction of that.
//
// Why setImmediate and not a microtask: submits issued from I/O callbacks of one loop iteration
// (e.g. a watch stream delivering many completions, each resuming a loop that submits again)
// arrive in separate callbacks, each draining its own microtasks; a microtask flush sends each
// callback's submits as a batch of its own. Measured with W1's shape (256 loops, one WatchTasks
// stream, 3,000 tasks): a microtask flush sent 2,744 of them alone (1.1 per call), setImmediate
// 18–22 per call and a third more tasks/s. setImmediate runs once after every I/O callback of the
// iteration, so they all share one call. It is not a timer: a lone submit leaves in the same
// iteration, microseconds later, and goes out as the plain SubmitTask it always was.
//
// What callers see is what a unary SubmitTask gives them:
// - each its own Task, or its entry's error re-stated as the unary call states it (the batch
//   names a bad field `requests[i].task.…`, SubmitTask names it `task.…`);
// - a failure of the whole call (UNAVAILABLE, deadline, token) rejects every caller of the batch;
// - the batch's deadline is the earliest of its callers';
// - an abort rejects only its caller. Still queued, its entry is dropped and nothing is sent; in
//   flight, the batch goes on for the others and the task may be stored, as with an aborted
//   unary call. A batch whose callers all aborted is cancelled.
// - two submits with one request id never share a batch (the gateway refuses a repeated id within
//   one); the second goes in a call of its own, at the same time, as two unary calls would.
import { Metadata, status as Code, type ServiceError } from "@grpc/grpc-js";
import protobuf from "protobufjs";
import { join } from "node:path";
import { loadProtos, PROTO_DIR } from "../api/protos.js";
import type { SubmitTaskRequest } from "../generated/recflow/v1/SubmitTaskRequest.js";
import type { Task__Output } from "../generated/recflow/v1/Task.js";
import type { BatchSubmitTaskResult__Output } from "../generated/recflow/v1/BatchSubmitTaskResult.js";
import type { Status__Output } from "../generated/google/rpc/Status.js";
import { abortReason, codeName } from "./errors.js";

/** Entries per BatchSubmitTasks call (the gateway's limit). */
export const MAX_BATCH_SUBMIT = 1000;
/**
 * Encoded request bytes per coalesced call: a quarter of the gateway's default
 * RECFLOW_MAX_REQUEST_BYTES (4 MiB), so that its answer, which echoes every spec, also stays far
 * below the client's 16 MiB receive limit. A spec too big to share a call goes alone.
 */
export const MAX_COALESCED_BYTES = 1024 * 1024;

/** How the coalescer reaches the gateway (RecflowClient's channel, deadline and error typing). */
export interface SubmitTransport {
  /** One SubmitTask, as a submit without coalescing sends it. */
  one(req: SubmitTaskRequest, deadline: number, signal: AbortSignal | undefined): Promise<Task__Output>;
  /** One BatchSubmitTasks (all_or_nothing false); `cancel` abandons it. */
  many(requests: SubmitTaskRequest[], deadline: number, done: (err: ServiceError | null, results?: BatchSubmitTaskResult__Output[]) => void): { cancel(): void };
  /** The typed error the client throws for a failed call. */
  error(err: unknown): Error;
}

interface Pending {
  req: SubmitTaskRequest;
  deadline: number;
  signal: AbortSignal | undefined;
  resolve: (task: Task__Output) => void;
  reject: (err: unknown) => void;
  /** Resolved, rejected or aborted: nothing more reaches this caller. */
  settled: boolean;
  onAbort?: () => void;
  /** The in-flight batch this caller is in, told when the caller aborts. */
  batch?: { abandoned(): void };
}

export class SubmitCoalescer {
  readonly #transport: SubmitTransport;
  #queue: Pending[] = [];
  #flushScheduled = false;

  constructor(transport: SubmitTransport) {
    this.#transport = transport;
  }

  submit(req: SubmitTaskRequest, deadline: number, signal: AbortSignal | undefined): Promise<Task__Output> {
    if (signal?.aborted) return Promise.reject(abortReason(signal));
    return new Promise<Task__Output>((resolve, reject) => {
      const p: Pending = { req, deadline, signal, resolve, reject, settled: false };
      if (signal) {
        p.onAbort = () => {
          if (p.settled) return;
          p.settled = true;
          reject(abortReason(signal));
          p.batch?.abandoned();
        };
        signal.addEventListener("abort", p.onAbort, { once: true });
      }
      this.#queue.push(p);
      if (!this.#flushScheduled) {
        this.#flushScheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  /** Sends everything queued now (the scheduled flush, and `close` before the channel goes). */
  flush(): void {
    this.#flushScheduled = false;
    let rest = this.#queue.filter((p) => !p.settled);
    this.#queue = [];
    if (rest.length === 1) {
      this.#sendOne(rest[0]); // alone: no size to weigh, no batch to form
      return;
    }
    const bytes = new Map(rest.map((p) => [p, requestBytes(p.req)]));
    while (rest.length > 0) {
      const later: Pending[] = [];
      let group: Pending[] = [];
      let groupBytes = 0;
      const ids = new Set<string>();
      for (const p of rest) {
        const id = p.req.requestId ?? "";
        if (id !== "" && ids.has(id)) {
          later.push(p);
          continue;
        }
        const size = bytes.get(p) ?? 0;
        if (group.length === MAX_BATCH_SUBMIT || (group.length > 0 && groupBytes + size > MAX_COALESCED_BYTES)) {
          this.#send(group);
          group = [];
          groupBytes = 0;
          ids.clear();
        }
        group.push(p);
        groupBytes += size;
        if (id !== "") ids.add(id);
      }
      this.#send(group);
      rest = later;
    }
  }

  #send(group: Pending[]): void {
    if (group.length === 1) this.#sendOne(group[0]);
    else if (group.length > 1) this.#sendMany(group);
  }

  /** A lone submit: the plain SubmitTask, its signal handed to the call itself. */
  #sendOne(p: Pending): void {
    if (p.onAbort) p.signal?.removeEventListener("abort", p.onAbort);
    let sent: Promise<Task__Output>;
    try {
      sent = this.#transport.one(p.req, p.deadline, p.signal);
    } catch (err) {
      sent = Promise.reject(this.#transport.error(err));
    }
    sent.then(p.resolve, p.reject);
  }

  #sendMany(group: Pending[]): void {
    const deadline = Math.min(...group.map((p) => p.deadline));
    const finish = (p: Pending, outcome: { task: Task__Output } | { error: unknown }): void => {
      if (p.onAbort) p.signal?.removeEventListener("abort", p.onAbort);
      if (p.settled) return;
      p.settled = true;
      if ("task" in outcome) p.resolve(outcome.task);
      else p.reject(this.#transport.error(outcome.error));
    };
    let call: { cancel(): void };
    try {
      call = this.#transport.many(group.map((p) => p.req), deadline, (err, results) => {
        if (err || !results || results.length !== group.length) {
          const cause = err ?? serviceError(Code.INTERNAL, `BatchSubmitTasks answered ${results?.length ?? 0} results for ${group.length} requests`);
          for (const p of group) finish(p, { error: cause });
          return;
        }
        group.forEach((p, i) => {
          const r = results[i];
          finish(p, r.task ? { task: r.task } : { error: unaryError(r.error ?? { code: Code.UNKNOWN, message: "no result for this entry", details: [] }, i) });
        });
      });
    } catch (err) {
      // A call that could not start (a closed channel) fails its callers as SubmitTask's would.
      for (const p of group) finish(p, { error: err });
      return;
    }
    const batch = { abandoned: (): void => {
      if (group.every((p) => p.settled)) call.cancel();
    } };
    for (const p of group) p.batch = batch;
  }
}

/** The encoded size of one SubmitTaskRequest (a coalesced call's share of the request limit). */
function requestBytes(req: SubmitTaskRequest): number {
  const t = (requestType ??= loadProtos().root.lookupType("recflow.v1.SubmitTaskRequest"));
  return t.encode(t.fromObject(req)).finish().length;
}
let requestType: protobuf.Type | undefined;

function serviceError(code: Code, details: string, metadata = new Metadata()): ServiceError {
  // The shape (and message) grpc-js gives a failed call.
  return Object.assign(new Error(`${code} ${codeName(code)}: ${details}`), { code, details, metadata });
}

let rpcRoot: protobuf.Root | undefined;
function rpcTypes(): { status: protobuf.Type; badRequest: protobuf.Type } {
  if (!rpcRoot) {
    rpcRoot = new protobuf.Root();
    rpcRoot.resolvePath = (_o, target) => (target.startsWith("google/protobuf/") ? target : join(PROTO_DIR, target.replace(/^.*proto\//, "")));
    rpcRoot.loadSync(["google/rpc/status.proto", "google/rpc/error_details.proto"]);
  }
  return { status: rpcRoot.lookupType("google.rpc.Status"), badRequest: rpcRoot.lookupType("google.rpc.BadRequest") };
}

const BAD_REQUEST_URL = "type.googleapis.com/google.rpc.BadRequest";

/**
 * Entry `index`'s google.rpc.Status as the error SubmitTask gives for the same request: the field
 * paths of its BadRequest (and the message listing them) without the batch's `requests[index].`,
 * and the status in `grpc-status-details-bin` where a client reads the details of a call's error.
 */
export function unaryError(status: Status__Output, index: number): ServiceError {
  const prefix = `requests[${index}].`;
  const strip = (field: string): string => (field.startsWith(prefix) ? field.slice(prefix.length) : field);
  let message = status.message;
  const details = status.details.map((d) => {
    if (d.type_url !== BAD_REQUEST_URL) return d;
    const { badRequest } = rpcTypes();
    const decoded = badRequest.toObject(badRequest.decode(d.value)) as { fieldViolations?: { field?: string; description?: string }[] };
    const violations = (decoded.fieldViolations ?? []).map((v) => ({ field: v.field ?? "", description: v.description ?? "" }));
    // The gateway's message is its violations, "<field>: <description>" joined by "; ".
    if (message === violations.map((v) => `${v.field}: ${v.description}`).join("; ")) {
      message = violations.map((v) => `${strip(v.field)}: ${v.description}`).join("; ");
    }
    const stripped = violations.map((v) => ({ field: strip(v.field), description: v.description }));
    return { type_url: d.type_url, value: Buffer.from(badRequest.encode(badRequest.fromObject({ fieldViolations: stripped })).finish()) };
  });
  const metadata = new Metadata();
  if (details.length > 0) {
    const t = rpcTypes().status;
    metadata.set("grpc-status-details-bin", Buffer.from(t.encode(t.fromObject({ code: status.code, message, details })).finish()));
  }
  return serviceError(status.code, message, metadata);
}
