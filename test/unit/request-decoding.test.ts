// The framing check the gateway runs on every request body before protobufjs decodes it: a cut
// anywhere inside a field is refused, a cut between fields is a valid (shorter) message.
import { describe, expect, it } from "vitest";
import { loadProtos } from "../../src/api/protos.js";
import { checkWireFormat } from "../../src/gateway/request-decoding.js";

const submit = (loadProtos().packageDefinition["recflow.v1.TasksService"] as unknown as Record<string, { requestSerialize(v: unknown): Buffer }>).SubmitTask;

/** Offsets at which the top-level fields of `bytes` end (parsed by hand for the test message). */
function fieldEnds(bytes: Buffer): number[] {
  const ends: number[] = [];
  let pos = 0;
  while (pos < bytes.length) {
    const wireType = bytes[pos++] & 7; // single-byte tags: fields 1-15
    expect(wireType).toBe(2);
    let len = 0;
    for (let shift = 0; ; shift += 7) {
      const b = bytes[pos++];
      len |= (b & 0x7f) << shift;
      if (b < 0x80) break;
    }
    pos += len;
    ends.push(pos);
  }
  return ends;
}

describe("checkWireFormat", () => {
  it.each([
    ["the body from the report", "12052a", /field 2 \(5 bytes\) runs past the end/],
    ["an unfinished varint", "08ff", /varint runs past the end/],
    ["a varint of 11 bytes", `08${"ff".repeat(10)}01`, /longer than 10 bytes/],
    ["wire type 7", "0f", /invalid wire type 7/],
    ["field number 0", "0001", /field number 0/],
    ["a short fixed32", "0d0102", /field 1 \(4 bytes\) runs past the end/],
    ["a short fixed64", "09010203040506", /field 1 \(8 bytes\) runs past the end/],
    ["an unclosed group", "0b0801", /group 1 is not closed/],
    ["a group closed by another field", "0b080114", /unmatched end of group 2/],
  ])("refuses %s", (_what, hex, reason) => {
    expect(() => checkWireFormat(Buffer.from(hex, "hex"))).toThrow(reason);
  });

  it.each([
    ["an empty body", ""],
    ["a varint, fixed64, fixed32 and bytes field", `0896011101020304050607081d010203042203616263`],
    ["a closed group with a field inside", "0b08010c"],
  ])("accepts %s", (_what, hex) => {
    expect(() => checkWireFormat(Buffer.from(hex, "hex"))).not.toThrow();
  });

  it("refuses every cut of a SubmitTaskRequest inside a field and accepts every cut between fields", () => {
    const body = submit.requestSerialize({ requestId: "r-1", task: { recommend: { modelId: "m_1", userIds: ["alice", "bob"], k: 10 } } });
    const ends = new Set([0, ...fieldEnds(body)]);
    expect(ends.size).toBeGreaterThanOrEqual(3);
    for (let cut = 0; cut <= body.length; cut++) {
      const check = (): void => checkWireFormat(body.subarray(0, cut));
      if (ends.has(cut)) expect(check, `cut at ${cut}`).not.toThrow();
      else expect(check, `cut at ${cut}`).toThrow(/runs past the end/);
    }
  });
});
