// Request validation for the task API. Every check names the offending field (snake_case path,
// as clients see it in the proto) and all violations are reported together; a request that fails
// here stores nothing. Returns the spec with server defaults applied (max_retries).
import type { SubmitTaskRequest__Output } from "../generated/recflow/v1/SubmitTaskRequest.js";
import type { TaskSpec, TaskSpec__Output } from "../generated/recflow/v1/TaskSpec.js";
import { taskSpecCodec } from "../api/codec.js";
import { fromTimestamp } from "../api/task-model.js";
import { isTaskId } from "../api/task-id.js";
import { ValidationError, type FieldViolation } from "../errors.js";
import { isAliasName } from "../nats/index.js";

export interface ValidationLimits {
  maxK: number;
  maxRetriesLimit: number;
  defaultMaxRetries: number;
  maxSpecBytes: number;
}

const MAX_IDS = 10_000;
const MAX_ID_LENGTH = 256;
const MAX_LABELS = 32;
const MAX_PROBE_WORK_MS = 3_600_000;
const RESOURCE_ID = /^[A-Za-z0-9_.-]{1,128}$/;
const REQUEST_ID = /^[\x21-\x7e]{1,128}$/;
/** Label keys (also what a WatchTasks label selector may name). */
export const LABEL_KEY = /^[a-z0-9]([a-z0-9_./-]{0,62})$/;
export const ALIAS_RULE = "must be 1-63 characters of a-z, 0-9 and '-'";

class Checker {
  readonly violations: FieldViolation[] = [];
  add(field: string, description: string): void {
    this.violations.push({ field, description });
  }
  int(field: string, value: number, min: number, max: number): void {
    if (!Number.isInteger(value) || value < min || value > max) this.add(field, `must be an integer from ${min} to ${max}, got ${value}`);
  }
  num(field: string, value: number, min: number, max: number): void {
    if (!Number.isFinite(value) || value < min || value > max) this.add(field, `must be a finite number from ${min} to ${max}, got ${value}`);
  }
  resourceId(field: string, value: string): void {
    if (value === "") this.add(field, "is required");
    else if (!RESOURCE_ID.test(value)) this.add(field, "must be 1-128 characters of letters, digits, '_', '.', '-'");
  }
  ids(field: string, values: string[], required: boolean): void {
    if (required && values.length === 0) this.add(field, "must list at least one id");
    if (values.length > MAX_IDS) this.add(field, `at most ${MAX_IDS} ids per task, got ${values.length}`);
    const bad = values.findIndex((v) => v.length === 0 || Buffer.byteLength(v) > MAX_ID_LENGTH);
    if (bad >= 0) this.add(`${field}[${bad}]`, `ids must be 1-${MAX_ID_LENGTH} bytes`);
  }
  /** A model named by id or by alias (`<prefix>.model_id` / `<prefix>.alias`): exactly one. */
  modelRef(prefix: string, modelId: string, alias: string): void {
    if (modelId !== "" && alias !== "") this.add(`${prefix}.alias`, "set model_id or alias, not both");
    else if (alias !== "") this.alias(`${prefix}.alias`, alias);
    else if (modelId === "") this.add(`${prefix}.model_id`, "is required (or set alias)");
    else this.resourceId(`${prefix}.model_id`, modelId);
  }
  alias(field: string, value: string): void {
    if (!isAliasName(value)) this.add(field, ALIAS_RULE);
  }
  k(field: string, value: number, maxK: number): void {
    if (value < 1 || value > maxK) this.add(field, `must be from 1 to ${maxK}, got ${value}`);
  }
}

/** TuneModel's bounds: trials per task and seconds of search (the final training comes on top). */
export const MAX_TUNE_TRIALS = 1000;
export const MAX_TUNE_SECONDS = 6 * 3600;

/** Each searchable range (its proto name) and the bounds a range must lie within. */
type RangeName = "factors" | "regularization" | "alpha" | "iterations" | "neighbors" | "softmaxRegularization" | "softmaxIterations";
const TUNE_RANGES: readonly (readonly [RangeName, string, number, number])[] = [
  ["factors", "factors", 1, 1024],
  ["regularization", "regularization", 0, 1e6],
  ["alpha", "alpha", 0, 1e6],
  ["iterations", "iterations", 1, 200],
  ["neighbors", "neighbors", 1, 5000],
  ["softmaxRegularization", "softmax_regularization", 0, 1e6],
  ["softmaxIterations", "softmax_iterations", 1, 1000],
];

function checkKind(c: Checker, spec: TaskSpec__Output, limits: ValidationLimits): void {
  const f = (name: string): string => `task.${name}`;
  switch (spec.kind) {
    case "probe": {
      const p = spec.probe!;
      c.int(f("probe.work_ms"), p.workMs, 0, MAX_PROBE_WORK_MS);
      c.int(f("probe.fail_attempts"), p.failAttempts, 0, 1000);
      c.int(f("probe.progress_steps"), p.progressSteps, 0, 1000);
      return;
    }
    case "trainModel": {
      const t = spec.trainModel!;
      c.resourceId(f("train_model.dataset_id"), t.datasetId);
      if (t.algorithm === "ALGORITHM_UNSPECIFIED") c.add(f("train_model.algorithm"), "is required: ALGORITHM_ALS, ALGORITHM_ITEM_KNN, ALGORITHM_SEQUENTIAL_SOFTMAX or ALGORITHM_POPULARITY");
      if (t.als) {
        c.int(f("train_model.als.factors"), t.als.factors, 0, 1024);
        c.int(f("train_model.als.iterations"), t.als.iterations, 0, 1000);
        c.num(f("train_model.als.regularization"), t.als.regularization, 0, 1e6);
        c.num(f("train_model.als.alpha"), t.als.alpha, 0, 1e6);
        c.int(f("train_model.als.cg_steps"), t.als.cgSteps, 0, 100);
        c.num(f("train_model.als.epsilon"), t.als.epsilon, 0, 1e9);
      }
      if (t.knn) {
        c.int(f("train_model.knn.neighbors"), t.knn.neighbors, 0, 10_000);
        c.num(f("train_model.knn.shrinkage"), t.knn.shrinkage, 0, 1e6);
        c.num(f("train_model.knn.bm25_k1"), t.knn.bm25K1, 0, 1e6);
        c.num(f("train_model.knn.bm25_b"), t.knn.bm25B, 0, 1);
      }
      if (t.softmax) {
        c.int(f("train_model.softmax.factors"), t.softmax.factors, 0, 1024);
        c.int(f("train_model.softmax.iterations"), t.softmax.iterations, 0, 1000);
        c.num(f("train_model.softmax.user_regularization"), t.softmax.userRegularization, 0, 1e6);
        c.num(f("train_model.softmax.item_regularization"), t.softmax.itemRegularization, 0, 1e6);
      }
      if (t.evalK !== 0) c.k(f("train_model.eval_k"), t.evalK, limits.maxK);
      if (t.promoteTo !== "") c.alias(f("train_model.promote_to"), t.promoteTo);
      return;
    }
    case "recommend": {
      const r = spec.recommend!;
      c.modelRef(f("recommend"), r.modelId, r.alias);
      if (r.allUsers && r.userIds.length > 0) c.add(f("recommend.user_ids"), "must be empty when all_users is set");
      if (!r.allUsers) c.ids(f("recommend.user_ids"), r.userIds, true);
      c.k(f("recommend.k"), r.k, limits.maxK);
      if (r.allowItems.length > 100_000) c.add(f("recommend.allow_items"), "at most 100000 items");
      if (r.denyItems.length > 100_000) c.add(f("recommend.deny_items"), "at most 100000 items");
      return;
    }
    case "similarItems": {
      const s = spec.similarItems!;
      c.modelRef(f("similar_items"), s.modelId, s.alias);
      c.ids(f("similar_items.item_ids"), s.itemIds, true);
      c.k(f("similar_items.k"), s.k, limits.maxK);
      return;
    }
    case "evaluate": {
      const e = spec.evaluate!;
      c.modelRef(f("evaluate"), e.modelId, e.alias);
      c.resourceId(f("evaluate.dataset_id"), e.datasetId);
      c.k(f("evaluate.k"), e.k, limits.maxK);
      return;
    }
    case "tuneModel": {
      const t = spec.tuneModel!;
      c.resourceId(f("tune_model.dataset_id"), t.datasetId);
      if (t.maxTrials === 0 && t.timeBudgetSeconds === 0) c.add(f("tune_model.max_trials"), "a budget is required: max_trials, time_budget_seconds or both");
      c.int(f("tune_model.max_trials"), t.maxTrials, 0, MAX_TUNE_TRIALS);
      c.int(f("tune_model.time_budget_seconds"), t.timeBudgetSeconds, 0, MAX_TUNE_SECONDS);
      if (t.evalK !== 0) c.k(f("tune_model.eval_k"), t.evalK, limits.maxK);
      if (t.promoteTo !== "") c.alias(f("tune_model.promote_to"), t.promoteTo);
      const sp = t.space;
      if (sp) {
        if (sp.algorithms.includes("ALGORITHM_UNSPECIFIED")) c.add(f("tune_model.space.algorithms"), "ALGORITHM_UNSPECIFIED is not an algorithm");
        for (const [name, wireName, lo, hi] of TUNE_RANGES) {
          const range = sp[name];
          if (!range || (range.min === 0 && range.max === 0)) continue; // unset: the default range
          const field = f(`tune_model.space.${wireName}`);
          if (!(Number.isFinite(range.min) && Number.isFinite(range.max))) c.add(field, "min and max must be finite numbers");
          else if (range.min > range.max) c.add(field, `is empty: min ${range.min} > max ${range.max}`);
          else if (range.min < lo || range.max > hi) c.add(field, `must lie within [${lo}, ${hi}]`);
        }
        if (sp.scaling.includes("CONFIDENCE_SCALING_UNSPECIFIED")) c.add(f("tune_model.space.scaling"), "CONFIDENCE_SCALING_UNSPECIFIED is not a scaling");
        if (sp.knnWeighting.includes("KNN_WEIGHTING_UNSPECIFIED")) c.add(f("tune_model.space.knn_weighting"), "KNN_WEIGHTING_UNSPECIFIED is not a weighting");
      }
      return;
    }
    default:
      c.add("task", "exactly one kind is required: train_model, recommend, similar_items, evaluate, tune_model or probe");
  }
}

/** Validates a SubmitTask request; returns the spec to store (defaults applied). */
export function validateSubmit(req: SubmitTaskRequest__Output, limits: ValidationLimits, nowMs: number = Date.now()): { spec: TaskSpec; requestId: string } {
  const c = new Checker();
  if (req.requestId !== "" && !REQUEST_ID.test(req.requestId)) c.add("request_id", "must be 1-128 printable ASCII characters without spaces");
  const spec = req.task;
  if (!spec) {
    c.add("task", "is required");
    throw new ValidationError(c.violations);
  }
  checkKind(c, spec, limits);
  if (spec.maxRetries !== undefined) c.int("task.max_retries", spec.maxRetries, 0, limits.maxRetriesLimit);
  const deadline = fromTimestamp(spec.deadline);
  if (spec.deadline && (Number(spec.deadline.seconds) < 0 || spec.deadline.nanos < 0 || spec.deadline.nanos > 999_999_999)) {
    c.add("task.deadline", "is not a valid timestamp");
  } else if (deadline !== undefined && deadline <= nowMs) {
    c.add("task.deadline", "is in the past");
  }
  c.int("task.priority", spec.priority, -1000, 1000);
  const labels = Object.entries(spec.labels);
  if (labels.length > MAX_LABELS) c.add("task.labels", `at most ${MAX_LABELS} labels, got ${labels.length}`);
  for (const [k, v] of labels) {
    if (!LABEL_KEY.test(k)) c.add(`task.labels[${JSON.stringify(k.slice(0, 64))}]`, "keys must be 1-63 characters of a-z, 0-9, '_', '.', '/', '-' starting with a letter or digit");
    else if (Buffer.byteLength(v) > 256) c.add(`task.labels[${JSON.stringify(k)}]`, "values must be at most 256 bytes");
  }
  if (c.violations.length > 0) throw new ValidationError(c.violations);
  const normalized: TaskSpec = { ...spec, maxRetries: spec.maxRetries ?? limits.defaultMaxRetries };
  const size = taskSpecCodec.encode(normalized).length;
  if (size > limits.maxSpecBytes) throw ValidationError.field("task", `encoded task is ${size} bytes; the limit is ${limits.maxSpecBytes}`);
  return { spec: normalized, requestId: req.requestId };
}

export function validateTaskId(field: string, value: string): string {
  if (value === "") throw ValidationError.field(field, "is required");
  if (!isTaskId(value)) throw ValidationError.field(field, "is not a recflow task id (t_… or r_… followed by 26 characters)");
  return value;
}

/** Dataset and model ids: 1-128 characters of letters, digits, '_', '.', '-'. */
export function validateResourceId(field: string, value: string): string {
  if (value === "") throw ValidationError.field(field, "is required");
  if (!RESOURCE_ID.test(value) || value === "." || value === "..") throw ValidationError.field(field, "must be 1-128 characters of letters, digits, '_', '.', '-'");
  return value;
}

/** Model alias names: 1-63 characters of a-z, 0-9 and '-'. */
export function validateAliasName(field: string, value: string): string {
  if (value === "") throw ValidationError.field(field, "is required");
  if (!isAliasName(value)) throw ValidationError.field(field, ALIAS_RULE);
  return value;
}
