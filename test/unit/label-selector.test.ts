// WatchTasks' label selectors (Kubernetes' equality-based syntax), parsed and matched without a stack.
import { describe, expect, it } from "vitest";
import { parseLabelSelector } from "../../src/gateway/label-selector.js";
import { ValidationError } from "../../src/errors.js";

const why = (text: string): string => {
  try {
    parseLabelSelector("label_selector", text);
  } catch (err) {
    expect(err).toBeInstanceOf(ValidationError);
    return (err as ValidationError).violations.map((v) => `${v.field}: ${v.description}`).join("; ");
  }
  throw new Error("accepted");
};

describe("label selectors", () => {
  it("matches k=v, k==v, k!=v, k and !k, all of them", () => {
    const s = parseLabelSelector("label_selector", "batch=nightly-42, tier!=gold, team, !draft, env==prod");
    expect(s({ batch: "nightly-42", team: "ml", env: "prod" })).toBe(true);
    expect(s({ batch: "nightly-42", team: "ml", env: "prod", tier: "gold" })).toBe(false);
    expect(s({ batch: "nightly-42", team: "ml", env: "prod", draft: "" })).toBe(false);
    expect(s({ batch: "nightly-42", env: "prod" })).toBe(false);
  });

  it("says that set-based requirements are not supported, instead of a bad key cut at a comma", () => {
    expect(why("env in (a,b)")).toBe("label_selector: set-based requirements (in (…)) are not supported; use equality requirements: k=v, k!=v, k, !k");
    expect(why("team=ml,tier NOTIN (x)")).toMatch(/^label_selector: set-based requirements \(notin \(…\)\) are not supported/);
    expect(parseLabelSelector("label_selector", "name=in (x)")({ name: "in (x)" })).toBe(true);
  });

  it("names the requirement that is malformed", () => {
    expect(why("a=b,,c")).toBe('label_selector: requirement 2 "": is empty');
    expect(why("a=b=c")).toMatch(/^label_selector: requirement 1 "a=b=c": a value cannot contain/);
    expect(why("Team=x")).toMatch(/^label_selector: requirement 1 "Team=x": a key must be/);
  });
});
