// Property-based tests (fast-check) on everything that parses outside input: the SubmitTask
// validator (after the same protobuf decoding the gRPC server does), the CSV parser and the model
// and dataset decoders. Random and adversarial input must end in the module's own clean error,
// never another exception, a crash or a hang; valid input must survive being cut anywhere.
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { loadProtos } from "../../src/api/protos.js";
import { validateSubmit, type ValidationLimits } from "../../src/gateway/validation.js";
import { ValidationError } from "../../src/errors.js";
import {
  CorruptDataError, CsvParser, DatasetFormatError, DatasetLimitError, Recommender, UnsupportedVersionError,
  decodeDataset, decodeModel, encodeDataset, encodeModel, syntheticDataset, trainModel, type ParsedRow,
} from "../../src/engine/index.js";
import type { SubmitTaskRequest__Output } from "../../src/generated/recflow/v1/SubmitTaskRequest.js";

const LIMITS: ValidationLimits = { maxK: 1000, maxRetriesLimit: 8, defaultMaxRetries: 3, maxSpecBytes: 256 * 1024 };
// A fixed seed keeps CI reproducible; FC_SEED=<n> explores other inputs (a failure prints its seed).
const RUNS = { numRuns: 300, seed: Number(process.env.FC_SEED ?? 20_261_125) };

function method(name: string): { requestDeserialize(b: Buffer): unknown; requestSerialize(v: unknown): Buffer } {
  const svc = loadProtos().packageDefinition["recflow.v1.TasksService"] as unknown as Record<string, { requestDeserialize(b: Buffer): unknown; requestSerialize(v: unknown): Buffer }>;
  return svc[name];
}

/** Runs `fn` and classifies the outcome: "ok", or the name of an allowed error; anything else fails. */
function outcome(fn: () => unknown, allowed: (new (...a: never[]) => Error)[]): string {
  try {
    fn();
    return "ok";
  } catch (err) {
    if (allowed.some((C) => err instanceof C)) return (err as Error).name;
    throw err;
  }
}

const idChars = fc.constantFrom("a", "Z", "0", "_", "-", ".", "/", " ", "\u0000", "é", "😀", "\n", "..", "%");
// Mostly plausible values with hostile ones mixed in, so that both sides of the validator are hit.
const plausibleId = fc.stringMatching(/^[a-z0-9][a-z0-9_.-]{0,15}$/);
const hostileString = fc.oneof(
  { arbitrary: plausibleId, weight: 8 },
  { arbitrary: fc.string({ maxLength: 40 }), weight: 1 },
  { arbitrary: fc.string({ unit: idChars, maxLength: 300 }), weight: 1 },
  { arbitrary: fc.constantFrom("", "..", "x".repeat(5000)), weight: 1 },
);
const anyInt = fc.oneof(
  { arbitrary: fc.integer({ min: 0, max: 20 }), weight: 8 },
  { arbitrary: fc.integer({ min: -5, max: 2_000_000 }), weight: 1 },
  { arbitrary: fc.constantFrom(0, 2 ** 31 - 1, 4_294_967_295), weight: 1 },
);
const stringList = fc.array(hostileString, { maxLength: 8 });

/** Request objects of every kind with hostile field values, encoded then decoded as on the wire. */
const hostileRequest = fc.record({
  requestId: hostileString,
  task: fc.option(fc.record({
    maxRetries: fc.option(anyInt, { nil: undefined }),
    priority: anyInt,
    labels: fc.oneof({ arbitrary: fc.constant({}), weight: 4 }, { arbitrary: fc.dictionary(hostileString, hostileString, { maxKeys: 70 }), weight: 1 }),
    deadline: fc.option(fc.record({ seconds: fc.integer({ min: -1e10, max: 1e11 }), nanos: fc.integer({ min: -1, max: 2e9 }) }), { nil: undefined }),
    kind: fc.oneof(
      fc.record({ probe: fc.record({ workMs: anyInt, cpu: fc.boolean(), failAttempts: anyInt, progressSteps: anyInt }) }),
      fc.record({ recommend: fc.record({ modelId: hostileString, userIds: stringList, allUsers: fc.boolean(), k: anyInt, allowItems: stringList, denyItems: stringList }) }),
      fc.record({ similarItems: fc.record({ modelId: hostileString, itemIds: stringList, k: anyInt }) }),
      fc.record({ evaluate: fc.record({ modelId: hostileString, datasetId: hostileString, k: anyInt }) }),
      fc.record({ trainModel: fc.record({ datasetId: hostileString, algorithm: fc.constantFrom("ALGORITHM_ALS", "ALGORITHM_ITEM_KNN", "ALGORITHM_POPULARITY", "ALGORITHM_UNSPECIFIED"), seed: anyInt, evalK: anyInt, als: fc.record({ factors: anyInt, iterations: anyInt, regularization: fc.double(), alpha: fc.double() }), knn: fc.record({ neighbors: anyInt }) }) }),
      fc.constant({}),
    ),
  }), { nil: null }),
}).map(({ requestId, task }) => ({ requestId, task: task ? { ...task, ...task.kind, kind: undefined } : null }));

/** Well-formed requests of every kind, so the accepting side of the validator is exercised too. */
const smallInt = (min: number, max: number): fc.Arbitrary<number> => fc.integer({ min, max });
const ids = fc.array(plausibleId, { minLength: 1, maxLength: 5 });
const wellFormedRequest = fc.record({
  requestId: fc.oneof(fc.constant(""), plausibleId),
  task: fc.oneof(
    fc.record({ probe: fc.record({ workMs: smallInt(0, 1000), cpu: fc.boolean(), failAttempts: smallInt(0, 3), progressSteps: smallInt(0, 20) }) }),
    fc.record({ recommend: fc.record({ modelId: plausibleId, userIds: ids, k: smallInt(1, 100), excludeSeen: fc.boolean() }) }),
    fc.record({ similarItems: fc.record({ modelId: plausibleId, itemIds: ids, k: smallInt(1, 100) }) }),
    fc.record({ evaluate: fc.record({ modelId: plausibleId, datasetId: plausibleId, k: smallInt(1, 100) }) }),
    fc.record({ trainModel: fc.record({ datasetId: plausibleId, algorithm: fc.constantFrom("ALGORITHM_ALS", "ALGORITHM_ITEM_KNN", "ALGORITHM_POPULARITY"), seed: smallInt(0, 1000) }) }),
  ).map((kind) => ({ ...kind, maxRetries: 2, priority: 0, labels: {} })),
});

describe("hostile input never escapes as anything but a clean error", () => {
  const submit = method("SubmitTask");

  it("SubmitTask: any request either validates to a spec within the size limit or is INVALID_ARGUMENT", () => {
    const seen = { ok: 0, rejected: 0 };
    fc.assert(fc.property(fc.oneof({ arbitrary: hostileRequest, weight: 2 }, { arbitrary: wellFormedRequest, weight: 1 }), (raw) => {
      const decoded = submit.requestDeserialize(submit.requestSerialize(raw)) as SubmitTaskRequest__Output;
      let result: ReturnType<typeof validateSubmit> | undefined;
      const r = outcome(() => (result = validateSubmit(decoded, LIMITS)), [ValidationError]);
      seen[r === "ok" ? "ok" : "rejected"]++;
      if (r === "ok") {
        expect(result!.spec.maxRetries).toBeLessThanOrEqual(LIMITS.maxRetriesLimit);
        expect(submit.requestSerialize({ requestId: result!.requestId, task: result!.spec }).length).toBeLessThanOrEqual(LIMITS.maxSpecBytes + 256);
      } else {
        // Every violation names a field of the request.
        const err = (() => {
          try {
            validateSubmit(decoded, LIMITS);
          } catch (e) {
            return e as ValidationError;
          }
          throw new Error("unreachable");
        })();
        expect(err.violations.length).toBeGreaterThan(0);
        for (const v of err.violations) expect(v.field).toMatch(/^(request_id|task)/);
      }
    }), RUNS);
    // The generator reaches both sides of the validator, or the property would prove little.
    console.log(`validator: ${seen.ok} accepted, ${seen.rejected} rejected`);
    expect(seen.ok).toBeGreaterThan(30);
    expect(seen.rejected).toBeGreaterThan(30);
  });

  it("SubmitTask: random bytes fail protobuf decoding or validation, nothing else", () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 2048 }), (bytes) => {
      let decoded: SubmitTaskRequest__Output;
      try {
        decoded = submit.requestDeserialize(Buffer.from(bytes)) as SubmitTaskRequest__Output;
      } catch {
        return; // grpc-js answers INTERNAL "failed to parse" for these, before any handler runs
      }
      outcome(() => validateSubmit(decoded, LIMITS), [ValidationError]);
    }), RUNS);
  });

  const parse = (chunks: Uint8Array[], maxRows = 1000): ParsedRow[] => {
    const p = new CsvParser({ maxRows, maxLineLength: 4096, maxIdLength: 64 });
    const rows: ParsedRow[] = [];
    for (const c of chunks) p.push(c, (r) => rows.push(r));
    p.end((r) => rows.push(r));
    return rows;
  };
  const csvErrors = [DatasetFormatError, DatasetLimitError];

  it("CSV: random bytes parse or fail with a line-numbered DatasetFormatError (or the row limit)", () => {
    fc.assert(fc.property(fc.array(fc.uint8Array({ maxLength: 600 }), { maxLength: 6 }), (chunks) => {
      try {
        parse(chunks);
      } catch (err) {
        if (err instanceof DatasetFormatError) expect(err.message).toMatch(/^line \d+: /);
        else if (!(err instanceof DatasetLimitError)) throw err;
      }
    }), RUNS);
  });

  const csvCell = fc.string({ unit: fc.constantFrom("u", "i", "1", "0", ".", "e", "-", ",", "\t", '"', "\n", "\r", " ", "é", "N", "a"), maxLength: 12 });
  const csvText = fc.array(fc.array(csvCell, { minLength: 0, maxLength: 5 }).map((cells) => cells.join(",")), { maxLength: 40 }).map((lines) => lines.join("\n"));

  it("CSV: adversarial text gives the same rows (or the same error) however it is chunked", () => {
    fc.assert(fc.property(csvText, fc.array(fc.nat(), { maxLength: 8 }), (text, cutsRaw) => {
      const bytes = new TextEncoder().encode(text);
      const cuts = [...new Set(cutsRaw.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
      const pieces: Uint8Array[] = [];
      let at = 0;
      for (const c of [...cuts, bytes.length]) {
        pieces.push(bytes.subarray(at, c));
        at = c;
      }
      const run = (chunks: Uint8Array[]): string => {
        try {
          return JSON.stringify(parse(chunks));
        } catch (err) {
          if (!csvErrors.some((C) => err instanceof C)) throw err;
          return `${(err as Error).name}: ${(err as Error).message}`;
        }
      };
      expect(run(pieces)).toBe(run([bytes]));
    }), RUNS);
  });

  const d = syntheticDataset({ users: 40, items: 30, interactions: 300, seed: 3 });
  const models = {
    als: encodeModel(trainModel(d, { algorithm: "als", als: { factors: 4, iterations: 2 }, evaluate: false, evalK: 5, seed: 1 }).model),
    knn: encodeModel(trainModel(d, { algorithm: "item_knn", evaluate: false, evalK: 5, seed: 1 }).model),
  };
  const decodeErrors = [CorruptDataError, UnsupportedVersionError];

  /** A valid file with bytes overwritten, or cut short. */
  const damaged = (valid: Uint8Array): fc.Arbitrary<Uint8Array> => fc.oneof(
    fc.array(fc.tuple(fc.nat(valid.length - 1), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 }).map((edits) => {
      const b = valid.slice();
      for (const [i, v] of edits) b[i] = v;
      return b;
    }),
    fc.nat(valid.length - 1).map((n) => valid.slice(0, n)),
  );

  it("model decoder: random or damaged bytes fail cleanly, and whatever decodes can serve without crashing", () => {
    const seen = { ok: 0, rejected: 0 };
    fc.assert(fc.property(fc.oneof(fc.uint8Array({ maxLength: 512 }), damaged(models.als), damaged(models.knn)), (bytes) => {
      let model: ReturnType<typeof decodeModel> | undefined;
      const r = outcome(() => (model = decodeModel(bytes)), decodeErrors);
      seen[r === "ok" ? "ok" : "rejected"]++;
      if (r !== "ok") return;
      const rec = new Recommender(model!);
      rec.recommend(0, 5, { excludeSeen: true });
      if (model!.itemIds.length > 0) rec.similar(0, 3);
    }), RUNS);
    // Some damage (in the float payload) still decodes: that branch must be reached too.
    expect(seen.ok).toBeGreaterThan(0);
    expect(seen.rejected).toBeGreaterThan(100);
  });

  it("dataset decoder: random or damaged bytes fail cleanly", () => {
    const valid = encodeDataset(d);
    fc.assert(fc.property(fc.oneof(fc.uint8Array({ maxLength: 512 }), damaged(valid)), (bytes) => {
      outcome(() => decodeDataset(bytes), decodeErrors);
    }), RUNS);
  });
});
