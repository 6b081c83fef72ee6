// Label selectors for WatchTasks: Kubernetes' equality-based syntax. Comma-separated requirements
// that must all hold: `k=v` / `k==v` (label k is v), `k!=v` (k is absent or not v), `k` (k is
// set), `!k` (k is not set). Keys follow the label-key rule of TaskSpec.labels; values are free
// text without ',' (task labels allow any value up to 256 bytes).
import { ValidationError } from "../errors.js";
import { LABEL_KEY } from "./validation.js";

/** The longest selector accepted, and the most requirements in one. */
export const MAX_SELECTOR_LENGTH = 4096;
const MAX_REQUIREMENTS = 32;

type Requirement =
  | { key: string; op: "eq" | "ne"; value: string }
  | { key: string; op: "exists" | "absent" };

export type LabelSelector = (labels: Record<string, string>) => boolean;

function requirement(text: string, field: string, index: number): Requirement {
  const bad = (why: string): ValidationError => ValidationError.field(field, `requirement ${index + 1} ${JSON.stringify(text)}: ${why}`);
  const checkKey = (key: string): string => {
    if (!LABEL_KEY.test(key)) throw bad("a key must be 1-63 characters of a-z, 0-9, '_', '.', '/', '-' starting with a letter or digit");
    return key;
  };
  const checkValue = (value: string): string => {
    if (Buffer.byteLength(value) > 256) throw bad("a value must be at most 256 bytes");
    if (/[=!]/.test(value)) throw bad("a value cannot contain '=' or '!' (one operator per requirement)");
    return value;
  };
  if (text === "") throw bad("is empty");
  const ne = text.indexOf("!=");
  if (ne >= 0) return { key: checkKey(text.slice(0, ne).trim()), op: "ne", value: checkValue(text.slice(ne + 2).trim()) };
  const eq = text.indexOf("=");
  if (eq >= 0) {
    const rest = text.slice(eq + (text[eq + 1] === "=" ? 2 : 1));
    return { key: checkKey(text.slice(0, eq).trim()), op: "eq", value: checkValue(rest.trim()) };
  }
  if (text.startsWith("!")) return { key: checkKey(text.slice(1).trim()), op: "absent" };
  return { key: checkKey(text), op: "exists" };
}

/** Parses a selector; INVALID_ARGUMENT naming `field` when it is malformed or empty. */
export function parseLabelSelector(field: string, text: string): LabelSelector {
  if (text.length > MAX_SELECTOR_LENGTH) throw ValidationError.field(field, `at most ${MAX_SELECTOR_LENGTH} characters`);
  // Kubernetes' set-based form (`env in (a,b)`, `tier notin (x)`): its commas would split it
  // into requirements that each read as a bad key; say what is not supported instead.
  const setBased = /(^|,)\s*!?[^,=!()\s]+\s+(in|notin)\s*\(/i.exec(text);
  if (setBased) throw ValidationError.field(field, `set-based requirements (${setBased[2].toLowerCase()} (…)) are not supported; use equality requirements: k=v, k!=v, k, !k`);
  const parts = text.split(",").map((p) => p.trim());
  if (parts.length > MAX_REQUIREMENTS) throw ValidationError.field(field, `at most ${MAX_REQUIREMENTS} requirements, got ${parts.length}`);
  const reqs = parts.map((p, i) => requirement(p, field, i));
  return (labels) => reqs.every((r) => {
    const has = Object.hasOwn(labels, r.key);
    switch (r.op) {
      case "eq": return has && labels[r.key] === r.value;
      case "ne": return !has || labels[r.key] !== r.value;
      case "exists": return has;
      case "absent": return !has;
    }
  });
}
