// RecflowClient's submit coalescing against a real stack: concurrent submits travel as one
// BatchSubmitTasks call and a lone one as SubmitTask (counted by method on the wire, by an HTTP/2
// proxy between client and gateway), each caller gets its own task or exactly the error a unary
// SubmitTask gives for the same request, request ids stay idempotent, an abort rejects only its
// caller, and a failure of the whole call (no gateway, a deadline) reaches every caller.
import * as http2 from "node:http2";
import type { AddressInfo } from "node:net";
import { status as Code } from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GatewayUnavailableError, RecflowClient, RecflowError, type Task, type TaskEvent, type TaskSpec } from "../../src/client/index.js";
import { call } from "../../src/api/client.js";
import type { BatchSubmitTasksResponse__Output } from "../../src/generated/recflow/v1/BatchSubmitTasksResponse.js";
import { freePort } from "../helpers/client-process.js";
import { Stack } from "../helpers/stack.js";
import { badRequest } from "../helpers/status.js";

const SUBMIT = "/recflow.v1.TasksService/SubmitTask";
const BATCH = "/recflow.v1.TasksService/BatchSubmitTasks";

interface CountingProxy {
  address: string;
  /** Calls seen so far, by gRPC method path. */
  calls(path: string): number;
  close(): void;
}

/**
 * A plaintext HTTP/2 proxy in front of the gateway that forwards every stream as it is (headers,
 * messages, trailers, cancellation) and counts the streams by `:path`: which gRPC methods the
 * client really called.
 */
async function countingProxy(target: string): Promise<CountingProxy> {
  const upstream = http2.connect(`http://${target}`);
  const counts = new Map<string, number>();
  const sessions = new Set<http2.ServerHttp2Session>();
  const server = http2.createServer();
  server.on("session", (s) => {
    sessions.add(s);
    s.once("close", () => sessions.delete(s));
  });
  server.on("stream", (down, headers) => {
    const path = String(headers[":path"]);
    counts.set(path, (counts.get(path) ?? 0) + 1);
    const forward: http2.OutgoingHttpHeaders = {};
    for (const [k, v] of Object.entries(headers)) if (!k.startsWith(":") || k === ":path" || k === ":method") forward[k] = v;
    const up = upstream.request(forward);
    let trailers: http2.IncomingHttpHeaders = {};
    up.on("response", (h) => {
      const reply: http2.OutgoingHttpHeaders = {};
      for (const [k, v] of Object.entries(h)) if (!k.startsWith(":") || k === ":status") reply[k] = v;
      // A trailers-only answer (a status without messages) ends with its headers.
      if (up.endAfterHeaders) {
        down.respond(reply, { endStream: true });
        return;
      }
      down.respond(reply, { waitForTrailers: true });
      up.pipe(down);
    });
    up.on("trailers", (t: http2.IncomingHttpHeaders) => {
      trailers = t;
    });
    down.on("wantTrailers", () => down.sendTrailers(Object.fromEntries(Object.entries(trailers).filter(([k]) => !k.startsWith(":")))));
    down.pipe(up);
    // A client that cancels (RST_STREAM) cancels the gateway's stream too.
    down.on("close", () => {
      if (!up.closed) up.close(http2.constants.NGHTTP2_CANCEL);
    });
    up.on("error", () => down.close(http2.constants.NGHTTP2_INTERNAL_ERROR));
    down.on("error", () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    address: `127.0.0.1:${(server.address() as AddressInfo).port}`,
    calls: (path) => counts.get(path) ?? 0,
    close: () => {
      for (const s of sessions) s.destroy();
      server.close();
      upstream.destroy();
    },
  };
}

interface ErrorShape {
  class: string;
  name: string;
  code: number;
  message: string;
  details: string | undefined;
  violations: { field: string; description: string }[] | undefined;
}

/** What a caller can tell about an error: its class, gRPC code, message and the fields its BadRequest names. */
function errorShape(err: unknown): ErrorShape {
  expect(err).toBeInstanceOf(RecflowError);
  const e = err as RecflowError;
  return { class: e.constructor.name, name: e.name, code: e.code, message: e.message, details: e.details, violations: badRequest(e) };
}

/** Every event of `ids` until each has ended, on one WatchTasks stream: terminal events per task. */
async function terminalsOf(rf: RecflowClient, ids: string[]): Promise<Map<string, TaskEvent[]>> {
  const ends = new Map<string, TaskEvent[]>(ids.map((id) => [id, []]));
  for await (const ev of rf.watchMany({ taskIds: ids }, { signal: AbortSignal.timeout(30_000) })) {
    if (ev.event === "succeeded" || ev.event === "failed" || ev.event === "cancelled") ends.get(ev.taskId)?.push(ev);
  }
  return ends;
}

/** Every task of this suite's tenant carrying label `case=<value>`. */
async function tasksLabelled(rf: RecflowClient, value: string): Promise<Task[]> {
  const out: Task[] = [];
  let pageToken = "";
  do {
    const page = await rf.listTasks({ pageSize: 1000, pageToken });
    out.push(...page.tasks.filter((t) => t.spec?.labels.case === value));
    pageToken = page.nextPageToken;
  } while (pageToken !== "");
  return out;
}

const probe = (value: string): TaskSpec => ({ probe: { workMs: 0 }, labels: { case: value } });

describe("RecflowClient submit coalescing", () => {
  let stack: Stack;
  let proxy: CountingProxy;
  /** Coalescing, through the proxy. */
  let rf: RecflowClient;
  /** One SubmitTask per submit, straight to the gateway: the reference for errors. */
  let unary: RecflowClient;

  beforeAll(async () => {
    stack = await Stack.start({ workers: 1, threads: 2 });
    proxy = await countingProxy(stack.address);
    rf = new RecflowClient(proxy.address, { coalesceSubmits: true });
    unary = new RecflowClient(stack.address, { coalesceSubmits: false });
  }, 60_000);

  afterAll(async () => {
    rf?.close();
    unary?.close();
    proxy?.close();
    await stack?.close();
  });

  it("sends 200 concurrent submits as one BatchSubmitTasks call, and every task runs once", async () => {
    const before = { batch: proxy.calls(BATCH), submit: proxy.calls(SUBMIT) };
    const tasks = await Promise.all(Array.from({ length: 200 }, () => rf.submit(probe("many"))));
    expect(proxy.calls(BATCH) - before.batch).toBe(1);
    expect(proxy.calls(SUBMIT) - before.submit).toBe(0);
    const ids = tasks.map((t) => t.id);
    expect(new Set(ids).size).toBe(200);
    for (const t of tasks) expect(t.status?.state).toBe("TASK_STATE_QUEUED");
    const ends = await terminalsOf(rf, ids);
    expect([...ends.values()].map((evs) => evs.map((e) => e.event))).toEqual(ids.map(() => ["succeeded"]));
    expect((await tasksLabelled(rf, "many")).length).toBe(200);
  });

  it("sends a lone submit as a plain SubmitTask", async () => {
    const before = { batch: proxy.calls(BATCH), submit: proxy.calls(SUBMIT) };
    const task = await rf.submit(probe("lone"));
    expect(proxy.calls(SUBMIT) - before.submit).toBe(1);
    expect(proxy.calls(BATCH) - before.batch).toBe(0);
    expect(task.status?.state).toBe("TASK_STATE_QUEUED");
    // One after another, each is alone again.
    await rf.submit(probe("lone"));
    await rf.submit(probe("lone"));
    expect(proxy.calls(SUBMIT) - before.submit).toBe(3);
    expect(proxy.calls(BATCH) - before.batch).toBe(0);
  });

  it("rejects each bad submit of a batch with the error SubmitTask gives it, and stores the good ones", async () => {
    const bad: { spec: TaskSpec; requestId?: string }[] = [
      { spec: { probe: { workMs: 99_999_999 }, labels: { case: "mixed" } } },
      // Several violations: the message lists each field.
      { spec: { probe: { workMs: 99_999_999 }, priority: 5000, labels: { case: "mixed", "Bad Key": "x" } } },
      // Found bad only once the gateway looked the alias up.
      { spec: { recommend: { alias: "no-such-alias", userIds: ["u1"], k: 10 }, labels: { case: "mixed" } } },
      { spec: probe("mixed"), requestId: "bad id with spaces" },
      { spec: { trainModel: { datasetId: "../etc", algorithm: "ALGORITHM_ALS" }, labels: { case: "mixed" } } },
    ];
    const expected: ErrorShape[] = [];
    for (const b of bad) expected.push(errorShape(await unary.submit(b.spec, { requestId: b.requestId }).catch((e: unknown) => e)));
    for (const e of expected) expect(e).toMatchObject({ code: Code.INVALID_ARGUMENT });

    // The gateway's batch answer names the same fields under requests[i]: what the client undoes.
    const raw = await call<object, BatchSubmitTasksResponse__Output>(stack.client.BatchSubmitTasks.bind(stack.client), { requests: bad.map((b) => ({ task: b.spec, requestId: b.requestId ?? "" })) }, { deadlineMs: 10_000 });
    raw.results.forEach((r, i) => {
      const violations = expected[i].violations ?? [];
      expect(r.error?.code).toBe(Code.INVALID_ARGUMENT);
      expect(r.error?.message).toBe(violations.map((v) => `requests[${i}].${v.field}: ${v.description}`).join("; "));
    });

    // Good and bad interleaved, all in one call.
    const before = proxy.calls(BATCH);
    const submits = bad.flatMap((b) => [rf.submit(probe("mixed")), rf.submit(b.spec, { requestId: b.requestId })]);
    const settled = await Promise.allSettled(submits);
    expect(proxy.calls(BATCH) - before).toBe(1);
    const good = settled.filter((_, i) => i % 2 === 0);
    const refused = settled.filter((_, i) => i % 2 === 1);
    expect(refused.map((r) => (r.status === "rejected" ? errorShape(r.reason) : r.value))).toEqual(expected);
    for (const e of expected) expect(JSON.stringify(e)).not.toContain("requests[");
    const ids = good.map((r) => (r.status === "fulfilled" ? r.value.id : ""));
    expect(ids.every((id) => id !== "")).toBe(true);
    const stored = await tasksLabelled(rf, "mixed");
    expect(stored.map((t) => t.id).sort()).toEqual([...ids].sort());
  });

  it("keeps request ids idempotent: a repeated id, in one turn or after, is the same task", async () => {
    const first = await rf.submit(probe("idem"), { requestId: "coalesce-a" });
    const before = { batch: proxy.calls(BATCH), submit: proxy.calls(SUBMIT) };
    const [a1, a2, b1, b2, ...fresh] = await Promise.all([
      rf.submit(probe("idem"), { requestId: "coalesce-a" }),
      rf.submit(probe("idem"), { requestId: "coalesce-a" }),
      rf.submit(probe("idem"), { requestId: "coalesce-b" }),
      rf.submit(probe("idem"), { requestId: "coalesce-b" }),
      ...Array.from({ length: 6 }, () => rf.submit(probe("idem"))),
    ]);
    expect([a1.id, a2.id]).toEqual([first.id, first.id]);
    expect(b2.id).toBe(b1.id);
    expect(b1.requestId).toBe("coalesce-b");
    // The gateway refuses one request id twice in a call: each repeat goes in a call of its own.
    expect(proxy.calls(BATCH) - before.batch).toBe(2);
    expect(proxy.calls(SUBMIT) - before.submit).toBe(0);
    const ids = [first.id, b1.id, ...fresh.map((t) => t.id)];
    const ends = await terminalsOf(rf, ids);
    expect([...ends.values()].map((evs) => evs.length)).toEqual(ids.map(() => 1));
    expect((await tasksLabelled(rf, "idem")).length).toBe(ids.length);
  });

  it("rejects only the caller whose signal aborts; a queued one is never sent, a sent one may be stored", async () => {
    const queued = new AbortController();
    const inFlight = new AbortController();
    const before = proxy.calls(BATCH);
    const submits = Array.from({ length: 10 }, (_, i) => rf.submit({ ...probe("abort"), priority: i }, {
      signal: i === 3 ? queued.signal : i === 7 ? inFlight.signal : undefined,
    }));
    queued.abort(); // before this turn's flush
    setImmediate(() => inFlight.abort()); // after it: the batch is on its way
    const settled = await Promise.allSettled(submits);
    expect(proxy.calls(BATCH) - before).toBe(1);
    expect(settled.map((s) => s.status)).toEqual(settled.map((_, i) => (i === 3 || i === 7 ? "rejected" : "fulfilled")));
    for (const i of [3, 7]) expect((settled[i] as PromiseRejectedResult).reason).toMatchObject({ name: "AbortError" });
    // The batch went on for everyone else, and it held the one aborted in flight, not the other.
    const stored = await tasksLabelled(rf, "abort");
    expect(stored.map((t) => t.spec?.priority).sort((x, y) => (x ?? 0) - (y ?? 0))).toEqual([0, 1, 2, 4, 5, 6, 7, 8, 9]);
  });

  it("shares calls between big specs only up to the request limit, so each is stored as SubmitTask would store it", async () => {
    // 24 specs of ~200 KB (each within the gateway's 256 KB per task): ~4.9 MB in all, over the
    // gateway's 4 MiB request limit had they gone in one call.
    const userIds = Array.from({ length: 1000 }, (_, j) => `u${j}-`.padEnd(200, "x"));
    const before = { batch: proxy.calls(BATCH), submit: proxy.calls(SUBMIT) };
    const tasks = await Promise.all(Array.from({ length: 24 }, () => rf.submit({ recommend: { modelId: "no-such-model", userIds, k: 1 }, labels: { case: "big" } })));
    expect(new Set(tasks.map((t) => t.id)).size).toBe(24);
    // At most 1 MiB per call: five of these each.
    expect(proxy.calls(BATCH) - before.batch).toBe(5);
    expect(proxy.calls(SUBMIT) - before.submit).toBe(0);
  });

  it("rejects every caller of a batch whose whole call fails, as each unary call would fail", async () => {
    // The batch's deadline is its earliest caller's: one caller out of time fails the call.
    const settled = await Promise.allSettled(Array.from({ length: 5 }, (_, i) => rf.submit(probe("deadline"), { timeoutMs: i === 2 ? 0 : 10_000 })));
    expect(settled.map((s) => (s.status === "rejected" ? (s.reason as RecflowError).code : "stored"))).toEqual(settled.map(() => Code.DEADLINE_EXCEEDED));

    const nowhere = `127.0.0.1:${await freePort()}`;
    const down = new RecflowClient(nowhere, { coalesceSubmits: true });
    const alone = new RecflowClient(nowhere, { coalesceSubmits: false });
    try {
      // grpc-js words the channel's last error differently from one channel state to the next
      // ("connect ECONNREFUSED …" or "null"), so the text is compared up to it.
      const shape = (e: unknown): ErrorShape => ({ ...errorShape(e), details: undefined, message: (e as Error).message.replace(/ \(.*\): /, " (…): ") });
      const expected = shape(await alone.submit(probe("down")).catch((e: unknown) => e));
      const errs = await Promise.all(Array.from({ length: 5 }, () => down.submit(probe("down")).catch((e: unknown) => e)));
      for (const e of errs) expect(e).toBeInstanceOf(GatewayUnavailableError);
      expect(errs.map(shape)).toEqual(errs.map(() => expected));
    } finally {
      down.close();
      alone.close();
    }
  });
});
