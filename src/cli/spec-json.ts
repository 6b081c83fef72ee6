// `recflow submit spec <json>`: a TaskSpec in proto3 JSON, read strictly as the proto3 JSON
// mapping says (https://protobuf.dev/programming-guides/proto3/#json). grpc-js's own conversion
// (protobufjs fromObject) is lenient: an unknown or misspelt field was dropped and a string
// where a number belongs became 0, so `{"probe":{"wrokMs":500}}` or `{"probe":{"workMs":"abc"}}`
// ran a task other than the one written, without a word. Here every field is checked against
// proto/ and the first problem is a UsageError naming its path (`task.probe.work_ms`).
//
// Accepted as the mapping does: lowerCamelCase or the proto field name; integers as JSON
// numbers or decimal strings; floats as numbers, numeric strings, "NaN", "Infinity";
// enums by name or number; `google.protobuf.Timestamp` as an RFC 3339 string; `null` for "not
// set". Out: the object grpc-js serializes (camelCase keys, Timestamps as {seconds, nanos}).
import protobuf from "protobufjs";
import { loadProtos } from "../api/protos.js";
import type { TaskSpec } from "../generated/recflow/v1/TaskSpec.js";
import { UsageError } from "./output.js";

const INT_RANGE: Record<string, [number, number]> = {
  int32: [-(2 ** 31), 2 ** 31 - 1], sint32: [-(2 ** 31), 2 ** 31 - 1], sfixed32: [-(2 ** 31), 2 ** 31 - 1],
  uint32: [0, 2 ** 32 - 1], fixed32: [0, 2 ** 32 - 1],
  int64: [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER], sint64: [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER], sfixed64: [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
  uint64: [0, Number.MAX_SAFE_INTEGER], fixed64: [0, Number.MAX_SAFE_INTEGER],
};

function fail(path: string, what: string): never {
  throw new UsageError(`the spec's ${path} ${what}`);
}

function describe(v: unknown): string {
  return JSON.stringify(v)?.slice(0, 60) ?? String(v);
}

function integer(v: unknown, type: string, path: string): number {
  const n = typeof v === "number" ? v : typeof v === "string" && /^-?\d+$/.test(v.trim()) ? Number(v) : Number.NaN;
  const [lo, hi] = INT_RANGE[type];
  if (!Number.isInteger(n) || n < lo || n > hi) fail(path, `must be an integer from ${lo} to ${hi} (${type}), got ${describe(v)}`);
  return n;
}

function float(v: unknown, path: string): number {
  if (typeof v === "number") return v;
  if (v === "NaN" || v === "Infinity" || v === "-Infinity") return Number(v);
  if (typeof v === "string" && v.trim() !== "" && Number.isFinite(Number(v))) return Number(v);
  return fail(path, `must be a number, got ${describe(v)}`);
}

/** An RFC 3339 instant ("2026-12-01T08:00:00Z", offsets and fractions allowed). */
function timestamp(v: unknown, path: string): { seconds: number; nanos: number } {
  const m = typeof v === "string" ? /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/i.exec(v) : null;
  const ms = m ? Date.parse(v as string) : Number.NaN;
  if (!m || Number.isNaN(ms)) return fail(path, `must be an RFC 3339 time such as "2026-12-01T08:00:00Z", got ${describe(v)}`);
  const seconds = Math.floor(ms / 1000);
  return { seconds, nanos: Number((m[2] ?? "").padEnd(9, "0")) };
}

function scalar(field: protobuf.Field, v: unknown, path: string): unknown {
  const type = field.type;
  if (type in INT_RANGE) return integer(v, type, path);
  switch (type) {
    case "double": case "float": return float(v, path);
    case "bool":
      if (typeof v !== "boolean") fail(path, `must be true or false, got ${describe(v)}`);
      return v;
    case "string":
      if (typeof v !== "string") fail(path, `must be a string, got ${describe(v)}`);
      return v;
    case "bytes":
      if (typeof v !== "string" || !/^[A-Za-z0-9+/_-]*={0,2}$/.test(v)) fail(path, `must be base64 text, got ${describe(v)}`);
      return v;
  }
  const resolved = field.resolvedType;
  if (resolved instanceof protobuf.Enum) {
    const names = Object.keys(resolved.values);
    if (typeof v === "string" && Object.hasOwn(resolved.values, v)) return v;
    if (typeof v === "number" && Object.values(resolved.values).includes(v)) return resolved.valuesById[v];
    return fail(path, `must be one of ${names.join(", ")}, got ${describe(v)}`);
  }
  if (resolved instanceof protobuf.Type) {
    if (resolved.fullName === ".google.protobuf.Timestamp") return timestamp(v, path);
    return message(resolved, v, path);
  }
  return fail(path, `has a type this reader does not know (${type})`);
}

function message(type: protobuf.Type, v: unknown, path: string): Record<string, unknown> {
  if (typeof v !== "object" || v === null || Array.isArray(v)) fail(path, `must be a JSON object, got ${describe(v)}`);
  const out: Record<string, unknown> = {};
  const oneofSet = new Map<string, string>();
  for (const [key, value] of Object.entries(v)) {
    // protobufjs names fields in lowerCamelCase (keepCase: false); the proto name is its snake_case.
    const name = camel(key);
    const field: protobuf.Field | undefined = Object.hasOwn(type.fields, name) ? type.fields[name] : undefined;
    const at = `${path}.${field ? snake(field.name) : key}`;
    if (!field) {
      const known = type.fieldsArray.map((f) => f.name).join(", ");
      fail(at, `is not a field of ${type.name}; its fields are ${known}`);
    }
    if (value === null) continue; // proto3 JSON: null is "not set"
    const oneof = field.partOf?.name;
    if (oneof) {
      const other = oneofSet.get(oneof);
      if (other) fail(at, `cannot be set with ${path}.${other}: they are one choice (${snake(oneof)})`);
      oneofSet.set(oneof, snake(field.name));
    }
    field.resolve();
    let converted: unknown;
    if (field.map) {
      if (typeof value !== "object" || Array.isArray(value)) fail(at, `must be a JSON object of ${(field as unknown as protobuf.MapField).keyType} to ${field.type}, got ${describe(value)}`);
      converted = Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, x]) => [k, scalar(field, x, `${at}[${JSON.stringify(k)}]`)]));
    } else if (field.repeated) {
      if (!Array.isArray(value)) fail(at, `must be a JSON array, got ${describe(value)}`);
      converted = value.map((x, i) => scalar(field, x, `${at}[${i}]`));
    } else {
      converted = scalar(field, value, at);
    }
    out[field.name] = converted;
  }
  return out;
}

function camel(name: string): string {
  return name.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

function snake(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

/** Parses `text` as a TaskSpec in proto3 JSON; a UsageError names the first problem. */
export function parseSpecJson(text: string): TaskSpec {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new UsageError(`the spec is not valid JSON: ${err instanceof Error ? err.message : String(err)}`);
  }
  const type = loadProtos().root.lookupType("recflow.v1.TaskSpec");
  return message(type, json, "task");
}
