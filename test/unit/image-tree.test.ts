// The Dockerfile replay behind test/integration/image-tree.test.ts: it must refuse what it cannot
// replay faithfully, or the image could outgrow the test without anyone noticing.
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { buildImageTree, dockerIgnore, parseDockerfile, runtimeStage } from "../helpers/image-tree.js";

const REPO = new URL("../..", import.meta.url).pathname;

describe("Dockerfile replay for the image-tree test", () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  /** A throwaway build context with these files; returns its path. */
  function context(files: Record<string, string>): string {
    const dir = mkdtempSync(join(tmpdir(), "recflow-context-"));
    dirs.push(dir);
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(join(dir, path, ".."), { recursive: true });
      writeFileSync(join(dir, path), text);
    }
    return dir;
  }

  it("reads the shipped Dockerfile's runtime stage: files, npm ci, user, entrypoint", () => {
    const spec = runtimeStage(parseDockerfile(readFileSync(join(REPO, "deploy/docker/Dockerfile"), "utf8")));
    const copies = spec.steps.flatMap((s) => ("copy" in s ? [s.copy] : []));
    expect(copies.map((c) => [c.from, c.sources, c.dest])).toEqual([
      [undefined, ["package.json", "package-lock.json"], "./"],
      ["build", ["/app/dist"], "./dist"],
      ["build", ["/app/proto"], "./proto"],
    ]);
    expect(spec.steps.flatMap((s) => ("npm" in s ? [s.npm[0]] : []))).toEqual(["ci"]);
    expect(spec.workdir).toBe("/app");
    expect(spec.entrypoint).toEqual(["/usr/bin/tini", "--", "node", "dist/cli/main.js"]);
  });

  it("joins continuations and drops comment lines inside them, as Docker does", () => {
    const [stage] = parseDockerfile("FROM node:20 AS x\nRUN a \\\n# note\n && b\n");
    expect(stage.instructions).toEqual([{ keyword: "RUN", args: "a && b", line: 2 }]);
  });

  it("refuses an instruction or a COPY flag it cannot replay", () => {
    const refuse = (runtime: string): (() => unknown) => () => runtimeStage(parseDockerfile(`FROM node:20\nWORKDIR /app\n${runtime}\n`));
    expect(refuse("ADD https://example.com/x ./x")).toThrow(/ADD .*not replayed/);
    expect(refuse("RUN curl -o x https://example.com/x")).toThrow(/RUN curl .*not replayed/);
    expect(refuse("COPY --chown=1000 dist ./dist")).toThrow(/--chown.*not replayed/);
    expect(refuse("ENTRYPOINT node dist/cli/main.js")).toThrow(/exec \(JSON\) form/);
  });

  it("refuses a context source that .dockerignore excludes, and leaves ignored files out of a directory", () => {
    const ignored = dockerIgnore("dist\n**/*.pem\n!keep.pem\n");
    expect([ignored("dist"), ignored("dist/a.js"), ignored("proto/x.pem"), ignored("keep.pem"), ignored("proto/a.proto")]).toEqual([true, true, true, false, false]);

    const excluded = context({ "Dockerfile": "FROM node:20\nWORKDIR /app\nCOPY dist ./dist\n", ".dockerignore": "dist\n", "dist/main.js": "" });
    expect(() => buildImageTree(excluded, "Dockerfile")).toThrow(/excluded by .dockerignore/);

    const filtered = context({ "Dockerfile": "FROM node:20\nWORKDIR /app\nCOPY proto ./proto\n", ".dockerignore": "**/*.pem\n", "proto/a.proto": "", "proto/key.pem": "" });
    const tree = buildImageTree(filtered, "Dockerfile");
    dirs.push(tree.dir);
    expect(() => readFileSync(join(tree.dir, "proto", "a.proto"))).not.toThrow();
    expect(() => readFileSync(join(tree.dir, "proto", "key.pem"))).toThrow(/ENOENT/);
  });

  it("takes a --from=build file from the context when the build stage copied it, else from the built repository", () => {
    const repo = context({
      "Dockerfile": "FROM node:20 AS build\nWORKDIR /app\nCOPY proto ./proto\nRUN npm run build\nFROM node:20\nWORKDIR /app\nCOPY --from=build /app/proto ./proto\nCOPY --from=build /app/dist ./dist\n",
      "proto/a.proto": "syntax",
      "dist/main.js": "built",
    });
    const tree = buildImageTree(repo, "Dockerfile");
    dirs.push(tree.dir);
    expect(readFileSync(join(tree.dir, "proto", "a.proto"), "utf8")).toBe("syntax");
    expect(readFileSync(join(tree.dir, "dist", "main.js"), "utf8")).toBe("built");
  });
});
