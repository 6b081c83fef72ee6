// The TypeScript client as a stranger gets it: the package `npm pack` makes, unpacked into a
// project of its own (its dependencies linked from this repository's node_modules, as npm would
// install them), a program importing "recflow/client" compiled by tsc in strict mode with
// node16-style resolution, then run against a stack. The package shipped no declarations, so
// that import was an implicit `any` (TS7016 under strict) in every TypeScript project.
import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Stack } from "../helpers/stack.js";

const REPO = fileURLToPath(new URL("../..", import.meta.url));
const run = promisify(execFile);

const PROGRAM = `import { RecflowClient, TaskFailedError } from "recflow/client";
import type { TaskSpec } from "recflow/client";
const rf = new RecflowClient(process.argv[2]);
const spec: TaskSpec = { probe: { workMs: 5 }, labels: { from: "stranger" } };
const { result, attempt } = await rf.run(spec);
let failed = "";
try {
  await rf.run({ probe: { permanentError: true } });
} catch (err) {
  if (err instanceof TaskFailedError) failed = err.reason;
}
console.log(JSON.stringify({ workMs: result.probe?.workMs, attempt, failed }));
rf.close();
`;

describe("the packed TypeScript client in a project of its own", () => {
  let stack: Stack;
  let dir: string;
  const tsc = (): Promise<{ code: number; out: string }> =>
    run(process.execPath, [join(REPO, "node_modules/typescript/bin/tsc"), "-p", dir], { timeout: 120_000 }).then(
      (r) => ({ code: 0, out: r.stdout }),
      (e: { code: number; stdout: string }) => ({ code: e.code, out: e.stdout }),
    );

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "recflow-client-package-"));
    const { stdout } = await run("npm", ["pack", "--silent", "--pack-destination", dir], { cwd: REPO, timeout: 120_000 });
    const pkg = join(dir, "node_modules/recflow");
    mkdirSync(pkg, { recursive: true });
    await run("tar", ["xzf", join(dir, stdout.trim().split("\n").at(-1)!), "-C", pkg, "--strip-components=1"]);
    const deps = Object.keys((JSON.parse(readFileSync(join(REPO, "package.json"), "utf8")) as { dependencies: Record<string, string> }).dependencies);
    for (const d of [...deps, "@types/node"]) {
      mkdirSync(dirname(join(dir, "node_modules", d)), { recursive: true });
      symlinkSync(join(REPO, "node_modules", d), join(dir, "node_modules", d));
    }
    writeFileSync(join(dir, "package.json"), JSON.stringify({ type: "module", private: true }));
    writeFileSync(join(dir, "tsconfig.json"), JSON.stringify({
      compilerOptions: { strict: true, module: "node16", moduleResolution: "node16", target: "es2022", outDir: "out", types: ["node"], skipLibCheck: false },
      files: ["main.ts"],
    }));
    stack = await Stack.start();
  }, 180_000);

  afterAll(async () => {
    await stack?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("compiles under strict with the package's own types and runs tasks", async () => {
    writeFileSync(join(dir, "main.ts"), PROGRAM);
    const built = await tsc();
    expect(built.code, built.out).toBe(0);
    const { stdout } = await run(process.execPath, [join(dir, "out/main.js"), stack.address], { timeout: 60_000 });
    expect(JSON.parse(stdout)).toEqual({ workMs: 5, attempt: 1, failed: "PROBE_PERMANENT_ERROR" });
  }, 180_000);

  it("catches a misspelt spec field at compile time (the types are real, not any)", async () => {
    writeFileSync(join(dir, "main.ts"), `import { RecflowClient } from "recflow/client";\nawait new RecflowClient("127.0.0.1:1").submit({ probe: { wrokMs: 5 } });\n`);
    const built = await tsc();
    expect(built.code).not.toBe(0);
    expect(built.out).toMatch(/main\.ts\(2,\d+\): error TS\d+: Object literal may only specify known properties, but 'wrokMs' does not exist in type 'Probe'/);
  }, 180_000);
});
