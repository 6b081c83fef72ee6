// The proto is a public contract: `npm run lint` runs `buf breaking` against the released snapshot
// in proto-released/. These tests run that same check on edited copies of proto/, to show that it
// lets additions through and stops removals, renumbering and retyping.
import { spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterEach, describe, expect, it } from "vitest";

const ROOT = resolve(import.meta.dirname, "../..");
const BUF = join(ROOT, "node_modules/.bin/buf");
const RELEASED = join(ROOT, "proto-released/image.binpb");

/** `buf breaking <dir> --against` the released image: its exit status and what it printed. */
function bufBreaking(dir: string): { status: number | null; output: string } {
  const r = spawnSync(BUF, ["breaking", dir, "--against", RELEASED], { cwd: ROOT, encoding: "utf8" });
  if (r.error) throw new Error(`cannot run ${BUF} (npm ci installs @bufbuild/buf)`, { cause: r.error });
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

const copies: string[] = [];
afterEach(() => {
  for (const dir of copies.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A copy of buf.yaml and proto/ with `edit` applied to one file; the edit must change it. */
function editedCopy(file: string, edit: (text: string) => string): string {
  const dir = mkdtempSync(join(tmpdir(), "recflow-proto-"));
  copies.push(dir);
  cpSync(join(ROOT, "buf.yaml"), join(dir, "buf.yaml"));
  cpSync(join(ROOT, "proto"), join(dir, "proto"), { recursive: true });
  const path = join(dir, "proto/recflow/v1", file);
  const before = readFileSync(path, "utf8");
  const after = edit(before);
  expect(after, `the edit of ${file} applies (did the proto change?)`).not.toBe(before);
  writeFileSync(path, after);
  return dir;
}

/** Replaces exactly one match of `pattern`, so a test never edits something else by accident. */
function replaceOnce(text: string, pattern: RegExp, replacement: string): string {
  expect(text.match(new RegExp(pattern.source, `${pattern.flags.replace("g", "")}g`)), String(pattern)).toHaveLength(1);
  return text.replace(pattern, replacement);
}

const PROBE_WORK_MS = /(message Probe \{[^}]*?)uint32 work_ms = 1;/;

describe("buf breaking against the released proto (npm run lint)", () => {
  it("passes for the proto as it is now", () => {
    const r = bufBreaking(ROOT);
    expect(r.output).toBe("");
    expect(r.status).toBe(0);
  });

  it("passes when a field, a message and an RPC are added", () => {
    const dir = editedCopy("tasks.proto", (text) => {
      let t = replaceOnce(text, /(service TasksService \{)/, "$1\n  rpc PauseTask(PauseTaskRequest) returns (Task);");
      t = replaceOnce(t, /(message GetTaskRequest \{)/, "$1\n  bool contract_test_added = 900;");
      return `${t}\nmessage PauseTaskRequest {\n  string task_id = 1;\n}\n`;
    });
    const r = bufBreaking(dir);
    expect(r.output).toBe("");
    expect(r.status).toBe(0);
  });

  it("fails when a field is deleted", () => {
    const r = bufBreaking(editedCopy("kinds.proto", (t) => replaceOnce(t, PROBE_WORK_MS, "$1")));
    expect(r.status).not.toBe(0);
    expect(r.output).toMatch(/field "1" with name "work_ms" on message "Probe" was deleted/);
  });

  it("fails when a field is renumbered", () => {
    const r = bufBreaking(editedCopy("kinds.proto", (t) => replaceOnce(t, PROBE_WORK_MS, "$1uint32 work_ms = 77;")));
    expect(r.status).not.toBe(0);
    expect(r.output).toMatch(/"Probe"/);
  });

  it("fails when a field's type changes", () => {
    const r = bufBreaking(editedCopy("kinds.proto", (t) => replaceOnce(t, PROBE_WORK_MS, "$1string work_ms = 1;")));
    expect(r.status).not.toBe(0);
    expect(r.output).toMatch(/type from "uint32" to "string"/);
  });

  it("fails when an RPC is removed", () => {
    const r = bufBreaking(editedCopy("tasks.proto", (t) => replaceOnce(t, /\n[^\n]*rpc CancelTask\([^\n]*/, "")));
    expect(r.status).not.toBe(0);
    expect(r.output).toMatch(/"CancelTask" on service "TasksService" was deleted/);
  });
});
