// The dashboard's JSON API: one handler per route, each a thin call to the gateway with the
// session's token (or, for dead letters, to the DLQ desk scoped to the session's tenant).
import type { IncomingMessage, ServerResponse } from "node:http";
import { call, uploadDataset } from "../api/client.js";
import type { ListTasksResponse__Output } from "../generated/recflow/v1/ListTasksResponse.js";
import type { Task__Output } from "../generated/recflow/v1/Task.js";
import type { ListDatasetsResponse__Output } from "../generated/recflow/v1/ListDatasetsResponse.js";
import type { Dataset__Output } from "../generated/recflow/v1/Dataset.js";
import type { ListModelsResponse__Output } from "../generated/recflow/v1/ListModelsResponse.js";
import type { Model__Output } from "../generated/recflow/v1/Model.js";
import type { ListModelAliasesResponse__Output } from "../generated/recflow/v1/ListModelAliasesResponse.js";
import type { ModelAlias__Output } from "../generated/recflow/v1/ModelAlias.js";
import type { DeadLetterDesk } from "./dead-letter-desk.js";
import { HttpError, intParam, readJson, sendJson } from "./http-json.js";
import type { QueueSampler } from "./queue-sampler.js";
import { WORKER_HEARTBEAT_MS, type WorkerDirectory } from "../nats/worker-registry.js";
import type { Session } from "./sessions.js";
import { lossCurve, taskHistory } from "./task-history.js";
import { streamTasks } from "./task-stream.js";

const DEADLINE_MS = 10_000;
/** Rows per page of every table: 10,000 tasks are 200 pages, never one response. */
export const PAGE_SIZE = 50;

export interface RouteContext {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  session: Session;
  params: string[];
  desk: DeadLetterDesk;
  sampler: QueueSampler | undefined;
  /** The workers bucket, opened on first use (a dashboard may start before any worker). */
  workers: () => Promise<WorkerDirectory>;
}

type Handler = (ctx: RouteContext) => Promise<void>;
interface Route {
  method: "GET" | "POST";
  path: RegExp;
  handler: Handler;
}

const STATES = new Set(["", "TASK_STATE_QUEUED", "TASK_STATE_RUNNING", "TASK_STATE_RETRYING", "TASK_STATE_SUCCEEDED", "TASK_STATE_FAILED", "TASK_STATE_CANCELLED"]);
const KINDS = new Set(["", "TASK_KIND_TRAIN_MODEL", "TASK_KIND_RECOMMEND", "TASK_KIND_SIMILAR_ITEMS", "TASK_KIND_EVALUATE", "TASK_KIND_PROBE", "TASK_KIND_TUNE_MODEL"]);

function oneOf(set: Set<string>, value: string | null, name: string): string {
  const v = value ?? "";
  if (!set.has(v)) throw new HttpError(400, `${name} must be one of ${[...set].filter(Boolean).join(", ")}`);
  return v;
}

const listTasks: Handler = async ({ res, url, session, desk }) => {
  const state = oneOf(STATES, url.searchParams.get("state"), "state");
  const kind = oneOf(KINDS, url.searchParams.get("kind"), "kind");
  // Read before the page, so the live stream that starts after it misses nothing in between.
  const sequence = await desk.lastEventSequence(session.tenant);
  const t = session.clients.tasks;
  const page = await call<object, ListTasksResponse__Output>(t.ListTasks.bind(t), {
    pageSize: PAGE_SIZE, pageToken: url.searchParams.get("pageToken") ?? "", state: state || "TASK_STATE_UNSPECIFIED", kind: kind || "TASK_KIND_UNSPECIFIED",
  }, { deadlineMs: DEADLINE_MS });
  const rows = page.tasks.map((task) => ({ taskId: task.id, state: task.status?.state, kind: task.status?.kind, attempt: task.status?.attempt, progress: task.status?.progress, message: task.status?.message, createTime: task.status?.createTime, updateTime: task.status?.updateTime, labels: task.spec?.labels ?? {}, sequence: task.lastSequence }));
  sendJson(res, 200, { tasks: rows, nextPageToken: page.nextPageToken, sequence });
};

const taskStream: Handler = async ({ req, res, url, session }) => {
  // EventSource sends the last id it saw on reconnect; the first connect names where the page stood.
  const lastId = req.headers["last-event-id"];
  const after = intParam(typeof lastId === "string" ? lastId : url.searchParams.get("after"), "after", 0);
  streamTasks(res, session.clients.tasks, { selector: url.searchParams.get("selector") ?? "", afterSequence: after });
  return Promise.resolve();
};

const getTask: Handler = async ({ res, session, params }) => {
  const { task, events, truncated } = await taskHistory(session.clients.tasks, params[0]);
  sendJson(res, 200, { task, events, truncated });
};

const cancelTask: Handler = async ({ req, res, session, params }) => {
  const body = await readJson(req);
  const t = session.clients.tasks;
  const task = await call<object, Task__Output>(t.CancelTask.bind(t), { taskId: params[0], reason: typeof body.reason === "string" ? body.reason : "cancelled from the dashboard" }, { deadlineMs: DEADLINE_MS });
  sendJson(res, 200, { task });
};

const deadLetters: Handler = async ({ res, url, session, desk }) => {
  const after = intParam(url.searchParams.get("after"), "after", 0);
  const letters = await desk.list(session.tenant, after, PAGE_SIZE);
  sendJson(res, 200, { letters, nextAfter: letters.length === PAGE_SIZE ? letters[letters.length - 1].seq : 0 });
};

const seqOf = (params: string[]): number => {
  const seq = intParam(params[0], "sequence", 0);
  if (seq === 0) throw new HttpError(400, "sequence must be positive");
  return seq;
};

const deadLetter: Handler = async ({ res, session, desk, params }) => {
  const d = await desk.get(session.tenant, seqOf(params));
  if (!d) throw new HttpError(404, `no dead letter ${params[0]}`);
  sendJson(res, 200, d);
};

const replayDeadLetter: Handler = async ({ req, res, session, desk, params }) => {
  await readJson(req);
  const replay = await desk.replay(session.tenant, seqOf(params));
  if (!replay) throw new HttpError(404, `no dead letter ${params[0]} to replay`);
  sendJson(res, 200, replay);
};

const deleteDeadLetter: Handler = async ({ req, res, session, desk, params }) => {
  await readJson(req);
  if (!(await desk.remove(session.tenant, seqOf(params)))) throw new HttpError(404, `no dead letter ${params[0]}`);
  sendJson(res, 200, {});
};

const listDatasets: Handler = async ({ res, url, session }) => {
  const d = session.clients.datasets;
  const page = await call<object, ListDatasetsResponse__Output>(d.ListDatasets.bind(d), { pageSize: PAGE_SIZE, pageToken: url.searchParams.get("pageToken") ?? "" }, { deadlineMs: DEADLINE_MS });
  sendJson(res, 200, page);
};

/** The request body is the CSV itself, streamed to UploadDataset as it arrives (XHR shows its progress). */
const uploadCsv: Handler = async ({ req, res, url, session }) => {
  const dataset = await uploadDataset<Dataset__Output>(session.clients.datasets, { datasetId: url.searchParams.get("id") ?? "", displayName: url.searchParams.get("name") ?? "" }, req as AsyncIterable<Uint8Array>);
  sendJson(res, 200, { dataset });
};

const listModels: Handler = async ({ res, url, session }) => {
  const m = session.clients.models;
  const page = await call<object, ListModelsResponse__Output>(m.ListModels.bind(m), { pageSize: PAGE_SIZE, pageToken: url.searchParams.get("pageToken") ?? "" }, { deadlineMs: DEADLINE_MS });
  sendJson(res, 200, page);
};

const getModel: Handler = async ({ res, session, params }) => {
  const m = session.clients.models;
  const model = await call<object, Model__Output>(m.GetModel.bind(m), { modelId: params[0] }, { deadlineMs: DEADLINE_MS });
  // The loss per iteration is not in the model: it is in the training task's Progress events.
  let loss: { iteration: number; loss: number }[] = [];
  let result: unknown = null;
  if (model.taskId) {
    const { task, events } = await taskHistory(session.clients.tasks, model.taskId);
    loss = lossCurve(events);
    result = task.result;
  }
  sendJson(res, 200, { model, loss, result });
};

const listAliases: Handler = async ({ res, session }) => {
  const m = session.clients.models;
  const page = await call<object, ListModelAliasesResponse__Output>(m.ListModelAliases.bind(m), { pageSize: 100, pageToken: "" }, { deadlineMs: DEADLINE_MS });
  sendJson(res, 200, page);
};

const setAlias: Handler = async ({ req, res, session, params }) => {
  const body = await readJson(req);
  if (typeof body.modelId !== "string") throw new HttpError(400, "modelId must be a string");
  const expected = body.expectedRevision;
  if (expected !== undefined && (typeof expected !== "number" || !Number.isSafeInteger(expected) || expected < 0)) throw new HttpError(400, "expectedRevision must be a non-negative integer");
  const m = session.clients.models;
  // expected_revision: two people rolling back at once cannot both win silently (ABORTED → 409).
  const alias = await call<object, ModelAlias__Output>(m.SetModelAlias.bind(m), { name: params[0], modelId: body.modelId, ...(expected !== undefined ? { expectedRevision: expected } : {}) }, { deadlineMs: DEADLINE_MS });
  sendJson(res, 200, { alias });
};

const queue: Handler = ({ res, sampler }) => {
  sendJson(res, 200, sampler ? { samples: sampler.samples.toArray(), lastError: sampler.lastError } : { samples: [], lastError: "no metrics URL configured (--metrics-url)" });
  return Promise.resolve();
};

/**
 * Every live worker, whoever asks: workers are shared by all tenants and their records hold
 * counts only (slots, tasks running), never a task id, so no tenant learns another's work.
 */
const workers: Handler = async ({ res, workers: directory }) => {
  const list = await (await directory()).list();
  sendJson(res, 200, {
    workers: list.map((w) => ({ workerId: w.workerId, host: w.host, pid: w.pid, slotsTotal: w.slotsTotal, slotsBusy: w.slotsBusy, tasksRunning: w.tasksRunning, version: w.version, startedAt: w.startedAt, updatedAt: w.updatedAt, draining: w.draining })),
    heartbeatMs: WORKER_HEARTBEAT_MS,
  });
};

const ID = "([A-Za-z0-9_.:-]{1,128})";
export const API_ROUTES: Route[] = [
  { method: "GET", path: /^\/api\/tasks$/, handler: listTasks },
  { method: "GET", path: /^\/api\/tasks\/stream$/, handler: taskStream },
  { method: "GET", path: new RegExp(`^/api/tasks/${ID}$`), handler: getTask },
  { method: "POST", path: new RegExp(`^/api/tasks/${ID}/cancel$`), handler: cancelTask },
  { method: "GET", path: /^\/api\/dead-letters$/, handler: deadLetters },
  { method: "GET", path: /^\/api\/dead-letters\/(\d+)$/, handler: deadLetter },
  { method: "POST", path: /^\/api\/dead-letters\/(\d+)\/replay$/, handler: replayDeadLetter },
  { method: "POST", path: /^\/api\/dead-letters\/(\d+)\/delete$/, handler: deleteDeadLetter },
  { method: "GET", path: /^\/api\/datasets$/, handler: listDatasets },
  { method: "POST", path: /^\/api\/datasets$/, handler: uploadCsv },
  { method: "GET", path: /^\/api\/models$/, handler: listModels },
  { method: "GET", path: new RegExp(`^/api/models/${ID}$`), handler: getModel },
  { method: "GET", path: /^\/api\/aliases$/, handler: listAliases },
  { method: "POST", path: new RegExp(`^/api/aliases/${ID}$`), handler: setAlias },
  { method: "GET", path: /^\/api\/queue$/, handler: queue },
  { method: "GET", path: /^\/api\/workers$/, handler: workers },
];

/** The route for a request and its path parameters, or undefined. */
export function matchRoute(method: string, pathname: string): { handler: Handler; params: string[] } | "wrong-method" | undefined {
  let pathMatched = false;
  for (const r of API_ROUTES) {
    const m = r.path.exec(pathname);
    if (!m) continue;
    pathMatched = true;
    if (r.method === method) return { handler: r.handler, params: m.slice(1).map(decodeURIComponent) };
  }
  return pathMatched ? "wrong-method" : undefined;
}
