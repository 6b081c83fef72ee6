// A request body that is not valid protobuf is the client's fault: every method of every service
// the gateway serves answers INVALID_ARGUMENT with a BadRequest (grpc-js alone answers INTERNAL),
// counts it in a metric, logs no error, and the gateway keeps serving. Found with a raw call to
// SubmitTask carrying the 3-byte body 12 05 2a (field 2, length 5, one byte present).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import * as grpc from "@grpc/grpc-js";
import { status as Code, type StatusObject } from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import { protoPath as healthProtoPath } from "grpc-health-check";
import { loadProtos } from "../../src/api/protos.js";
import { isRunning } from "../../src/cli/processes.js";
import { Stack, healthClient, servingStatus, terminalEvents, waitFor } from "../helpers/stack.js";
import { badRequest } from "../helpers/status.js";

interface RawMethod {
  path: string;
  requestStream: boolean;
  responseStream: boolean;
  requestDeserialize(bytes: Buffer): unknown;
}

/** Every method of the services in `def` whose name starts with `prefix`; message types are skipped. */
function methodsOf(def: protoLoader.PackageDefinition, prefix: string): RawMethod[] {
  return Object.entries(def)
    .filter(([name, entry]) => name.startsWith(prefix) && !("format" in entry))
    .flatMap(([, service]) => Object.values(service as unknown as Record<string, RawMethod>));
}

// The reflection protos ship inside @grpc/reflection (its ReflectionService loads them from there).
const reflectionProto = (version: string): string => join(dirname(createRequire(import.meta.url).resolve("@grpc/reflection")), "..", "proto", "grpc", "reflection", version, "reflection.proto");

const RECFLOW_METHODS = methodsOf(loadProtos().packageDefinition, "recflow.v1.");
const OTHER_METHODS = [
  ...methodsOf(protoLoader.loadSync(healthProtoPath), "grpc.health.v1."),
  ...["v1", "v1alpha"].flatMap((v) => methodsOf(protoLoader.loadSync(reflectionProto(v)), `grpc.reflection.${v}.`)),
];

const TRUNCATED = Buffer.from([0x12, 0x05, 0x2a]);
const UNDECODABLE_RANDOM_BODIES = 4;

/** mulberry32: a seeded generator, so a failing body can be replayed. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function decodes(method: RawMethod, body: Buffer): boolean {
  try {
    method.requestDeserialize(body);
    return true;
  } catch {
    return false;
  }
}

/**
 * Random bodies for `method` until UNDECODABLE_RANDOM_BODIES of them fail to decode; bodies that
 * happen to be valid protobuf come along too (they are ordinary requests, judged on their content).
 */
function randomBodies(method: RawMethod, seed: number): Buffer[] {
  const next = random(seed);
  const bodies: Buffer[] = [];
  let undecodable = 0;
  while (undecodable < UNDECODABLE_RANDOM_BODIES) {
    const body = Buffer.from(Array.from({ length: 1 + Math.floor(next() * 48) }, () => Math.floor(next() * 256)));
    bodies.push(body);
    if (!decodes(method, body)) undecodable++;
  }
  return bodies;
}

const identity = (b: Buffer): Buffer => b;

/** Sends `body` as the request message(s) of `method` with no protobuf layer in between; resolves the final status. */
function rawCall(client: grpc.Client, method: RawMethod, bodies: Buffer[], deadlineMs: number): Promise<StatusObject> {
  const options: grpc.CallOptions = { deadline: Date.now() + deadlineMs };
  const ignore = (): void => undefined;
  return new Promise((resolve) => {
    if (!method.requestStream && !method.responseStream) {
      client.makeUnaryRequest(method.path, identity, identity, bodies[0], options, ignore).on("status", resolve);
    } else if (!method.requestStream) {
      const s = client.makeServerStreamRequest(method.path, identity, identity, bodies[0], options);
      s.on("data", ignore).on("error", ignore).on("status", resolve);
    } else {
      const s = method.responseStream
        ? client.makeBidiStreamRequest(method.path, identity, identity, options).on("data", ignore).on("error", ignore)
        : client.makeClientStreamRequest(method.path, identity, identity, options, ignore);
      s.on("status", resolve);
      for (const b of bodies) s.write(b);
      s.end();
    }
  });
}

const UNDECODABLE_METRIC = "recflow_gateway_undecodable_requests_total";

/** The undecodable-request counter of `method` in a Prometheus text exposition; undefined if it has no series. */
function undecodableCount(exposition: string, method: string): number | undefined {
  const line = exposition.split("\n").find((l) => l.startsWith(`${UNDECODABLE_METRIC}{`) && l.includes(`method="${method}"`));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(" ") + 1));
}

function expectUndecodableStatus(status: StatusObject, what: string): void {
  expect(status.code, `${what}: ${status.details}`).toBe(Code.INVALID_ARGUMENT);
  expect(status.details, what).toMatch(/could not be decoded/);
  const violations = badRequest(status);
  expect(violations, `${what}: BadRequest detail`).toHaveLength(1);
  expect(violations?.[0].description, what).toMatch(/^request body could not be decoded: /);
}

describe("undecodable request bodies", () => {
  let stack: Stack;
  let client: grpc.Client;
  beforeAll(async () => {
    stack = await Stack.start({ workers: 1, env: { RECFLOW_METRICS_ADDRESS: "127.0.0.1:0" } });
    client = new grpc.Client(stack.address, grpc.credentials.createInsecure());
  });
  afterAll(async () => {
    client?.close();
    await stack?.close();
  });

  it("finds every recflow.v1 method, including the streaming ones", () => {
    const paths = RECFLOW_METHODS.map((m) => m.path);
    expect(paths).toEqual(expect.arrayContaining(["/recflow.v1.TasksService/SubmitTask", "/recflow.v1.TasksService/GetTask", "/recflow.v1.TasksService/WatchTask", "/recflow.v1.DatasetsService/UploadDataset"]));
    expect(OTHER_METHODS.map((m) => m.path)).toEqual(expect.arrayContaining(["/grpc.health.v1.Health/Check", "/grpc.health.v1.Health/Watch", "/grpc.reflection.v1.ServerReflection/ServerReflectionInfo", "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo"]));
  });

  it("answers INVALID_ARGUMENT with a BadRequest to 12 05 2a and to random bodies on every method, counts them, logs no error, and keeps serving", async () => {
    const scrape = (): Promise<string> => fetch(`http://127.0.0.1:${Number(stack.gateway.ready.metricsPort)}/metrics`).then((r) => r.text());
    // Other tests of this file may have counted some already: compare increments.
    const before = await scrape();
    const answered = new Map<string, number>();
    const undecodable = (path: string): void => void answered.set(path, (answered.get(path) ?? 0) + 1);
    for (const [i, method] of [...RECFLOW_METHODS, ...OTHER_METHODS].entries()) {
      // The body from the report, on every method (protobufjs alone accepts it wherever field 2
      // is a string, clamping the string at the end of the body).
      expectUndecodableStatus(await rawCall(client, method, [TRUNCATED], 5_000), `${method.path} with body 12052a`);
      undecodable(method.path);
      for (const body of randomBodies(method, 1000 + i)) {
        const what = `${method.path} with body ${body.toString("hex")}`;
        if (!decodes(method, body)) {
          expectUndecodableStatus(await rawCall(client, method, [body], 5_000), what);
          undecodable(method.path);
          continue;
        }
        // protobufjs reads it: either the framing check refuses it, or it is an ordinary request
        // judged on its content, which must not break the server either (a valid health Watch or
        // WatchTask may simply run until the deadline).
        const status = await rawCall(client, method, [body], 1_000);
        if (status.code === Code.INVALID_ARGUMENT && /could not be decoded/.test(status.details)) {
          expectUndecodableStatus(status, what);
          undecodable(method.path);
        } else {
          expect([Code.INTERNAL, Code.UNKNOWN, Code.UNIMPLEMENTED], `${what}: ${status.details}`).not.toContain(status.code);
        }
      }
    }

    const after = await scrape();
    for (const [path, n] of answered) {
      // A series missing after the calls is a failure, never a 0.
      const count = undecodableCount(after, path);
      expect(count, `${UNDECODABLE_METRIC}{method="${path}"}`).toBeDefined();
      expect(count! - (undecodableCount(before, path) ?? 0), path).toBe(n);
    }
    const errors = stack.gateway.logs.filter((l) => (JSON.parse(l) as { level: number }).level >= 50);
    expect(errors).toEqual([]);
    expect(stack.gateway.logs.filter((l) => /deserializ|"stack"/i.test(l))).toEqual([]);

    // Still serving: health SERVING, and a task runs to SUCCEEDED.
    const health = healthClient(stack.address);
    try {
      expect(await servingStatus(health)).toBe("SERVING");
      expect(await servingStatus(health, "recflow.v1.TasksService")).toBe("SERVING");
    } finally {
      health.close();
    }
    const task = await stack.submit({ probe: { workMs: 10 } });
    expect(terminalEvents(await stack.watch(task.id)).map((e) => e.event)).toEqual(["succeeded"]);
    expect(isRunning(stack.gateway)).toBe(true);
  });

  it("rejects an undecodable message in the middle of an upload and stores nothing", async () => {
    const uploads = loadProtos().packageDefinition["recflow.v1.DatasetsService"] as unknown as Record<string, { requestSerialize(v: unknown): Buffer } & RawMethod>;
    const upload = uploads.UploadDataset;
    const objects = async (): Promise<number> => (await stack.jsm.streams.info("OBJ_recflow-datasets")).state.messages;
    const uploadOf = (datasetId: string, last: Buffer): Buffer[] => [
      upload.requestSerialize({ metadata: { datasetId } }),
      upload.requestSerialize({ chunk: Buffer.from("user,item,weight\nu1,i1,1\n") }),
      last,
    ];
    const lastChunk = upload.requestSerialize({ chunk: Buffer.from("u2,i2,1\n") });
    // What one complete upload of this content leaves in the object store.
    const start = await objects();
    expect((await rawCall(client, upload, uploadOf("control", lastChunk), 10_000)).code).toBe(Code.OK);
    const perUpload = (await objects()) - start;

    const before = await objects();
    expectUndecodableStatus(await rawCall(client, upload, uploadOf("midway", TRUNCATED), 5_000), "UploadDataset");
    // The handler learns of the status as a cancellation and deletes what it had written, so the
    // same id uploads afterwards and leaves exactly one upload's worth of objects.
    const again = await rawCall(client, upload, uploadOf("midway", lastChunk), 10_000);
    expect(again.code, again.details).toBe(Code.OK);
    await waitFor(async () => (await objects()) === before + perUpload, 10_000, "the partial upload to be deleted");
  });
});
