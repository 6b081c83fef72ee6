// The CLI's strict proto3-JSON reader of a TaskSpec (src/cli/spec-json.ts), case by case; the
// built CLI's refusals and a stored spec are tested against a stack in cli-spec-json.test.ts.
import { describe, expect, it } from "vitest";
import { parseSpecJson } from "../../src/cli/spec-json.js";
import { UsageError } from "../../src/cli/output.js";

const refusal = (json: string): string => {
  try {
    parseSpecJson(json);
  } catch (err) {
    expect(err).toBeInstanceOf(UsageError);
    return (err as Error).message;
  }
  throw new Error("accepted");
};

describe("parseSpecJson", () => {
  it("reads lowerCamelCase and proto names, repeated fields, enums by name or number, floats as strings, null as unset", () => {
    expect(parseSpecJson('{"recommend":{"model_id":"m","userIds":["u1","u2"],"k":"5"},"priority":null}')).toEqual({ recommend: { modelId: "m", userIds: ["u1", "u2"], k: 5 } });
    expect(parseSpecJson('{"trainModel":{"datasetId":"d","algorithm":1,"als":{"alpha":"2.5","regularization":0.1}}}')).toEqual({
      trainModel: { datasetId: "d", algorithm: "ALGORITHM_ALS", als: { alpha: 2.5, regularization: 0.1 } },
    });
  });

  it("names the path of every kind of mistake", () => {
    expect(refusal("{")).toMatch(/^the spec is not valid JSON/);
    expect(refusal('{"recommend":{"userIds":"u1"}}')).toBe('the spec\'s task.recommend.user_ids must be a JSON array, got "u1"');
    expect(refusal('{"recommend":{"userIds":["u1",2]}}')).toBe("the spec's task.recommend.user_ids[1] must be a string, got 2");
    expect(refusal('{"recommend":{"k":1.5}}')).toMatch(/^the spec's task\.recommend\.k must be an integer/);
    expect(refusal('{"probe":{"cpu":"yes"}}')).toBe('the spec\'s task.probe.cpu must be true or false, got "yes"');
    expect(refusal('{"trainModel":{"als":{"alpha":"lots"}}}')).toBe('the spec\'s task.train_model.als.alpha must be a number, got "lots"');
    expect(refusal('{"trainModel":{"algorithm":"toString"}}')).toMatch(/^the spec's task\.train_model\.algorithm must be one of/);
    expect(refusal('{"trainModel":{"algorithm":99}}')).toMatch(/^the spec's task\.train_model\.algorithm must be one of ALGORITHM_UNSPECIFIED/);
    expect(refusal('{"probe":5}')).toBe("the spec's task.probe must be a JSON object, got 5");
    expect(refusal('{"probe":{"constructor":1}}')).toMatch(/^the spec's task\.probe\.constructor is not a field of Probe/);
    expect(refusal('{"__proto__":{}}')).toMatch(/^the spec's task\.__proto__ is not a field of TaskSpec/);
    expect(refusal('{"labels":["a"]}')).toMatch(/^the spec's task\.labels must be a JSON object of string to string/);
  });
});
