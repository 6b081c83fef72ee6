// The file tree of the shipped image, built without a Docker engine: parses the Dockerfile's last
// (runtime) stage and replays its COPY lines and its `npm ci` into a directory, so a test can run
// the gateway and the worker from exactly the files the image holds, as the image's user would.
// Instructions it cannot replay faithfully throw, so the Dockerfile cannot outgrow the test quietly.
import { execFileSync } from "node:child_process";
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join, posix, relative } from "node:path";

export interface DockerInstruction {
  keyword: string;
  args: string;
  line: number;
}

export interface DockerStage {
  name: string | undefined;
  image: string;
  instructions: DockerInstruction[];
}

/** The stages of a Dockerfile: line continuations joined, comments and blank lines dropped. */
export function parseDockerfile(text: string): DockerStage[] {
  const stages: DockerStage[] = [];
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const first = i + 1;
    let logical = "";
    let raw = lines[i];
    for (;;) {
      const trimmed = raw.trim();
      // Docker drops comment lines even in the middle of a continued instruction.
      if (!trimmed.startsWith("#")) {
        if (trimmed.endsWith("\\")) logical += `${trimmed.slice(0, -1).trimEnd()} `;
        else {
          logical += trimmed;
          break;
        }
      }
      if (i + 1 >= lines.length) break;
      raw = lines[++i];
    }
    if (logical.trim() === "") continue;
    const m = /^(\S+)\s*(.*)$/.exec(logical.trim());
    if (!m) continue;
    const keyword = m[1].toUpperCase();
    const args = m[2].trim();
    if (keyword === "FROM") {
      const from = /^(?:--\S+\s+)*(\S+)(?:\s+AS\s+(\S+))?$/i.exec(args);
      if (!from) throw new Error(`Dockerfile line ${first}: cannot parse FROM ${args}`);
      stages.push({ image: from[1], name: from[2], instructions: [] });
    } else {
      const stage = stages.at(-1);
      if (!stage) throw new Error(`Dockerfile line ${first}: ${keyword} before any FROM`);
      stage.instructions.push({ keyword, args, line: first });
    }
  }
  return stages;
}

/** What the runtime (last) stage of the Dockerfile makes: its files and how it runs them. */
export interface ImageSpec {
  image: string;
  workdir: string;
  env: Record<string, string>;
  /** USER as written, e.g. "1000:1000"; undefined when the stage never sets one (root). */
  user: string | undefined;
  entrypoint: string[];
  cmd: string[];
  steps: ImageStep[];
}

export type ImageStep =
  | { copy: { from: string | undefined; sources: string[]; dest: string; line: number } }
  | { npm: string[]; line: number };

function execForm(ins: DockerInstruction): string[] {
  // Shell form would put `/bin/sh -c` in front and break signal delivery to node; only exec form
  // is accepted.
  if (!ins.args.startsWith("[")) throw new Error(`Dockerfile line ${ins.line}: ${ins.keyword} must use the exec (JSON) form`);
  const parsed: unknown = JSON.parse(ins.args);
  if (!Array.isArray(parsed) || !parsed.every((a) => typeof a === "string")) throw new Error(`Dockerfile line ${ins.line}: ${ins.keyword} is not a JSON array of strings`);
  return parsed;
}

function parseCopy(ins: DockerInstruction): { from: string | undefined; sources: string[]; dest: string; line: number } {
  const words = ins.args.startsWith("[") ? execForm(ins) : ins.args.split(/\s+/);
  let from: string | undefined;
  const paths: string[] = [];
  for (const w of words) {
    if (w.startsWith("--from=")) from = w.slice("--from=".length);
    else if (w === "--link") continue; // changes layer caching only, not the files
    else if (w.startsWith("--")) throw new Error(`Dockerfile line ${ins.line}: COPY ${w} is not replayed by the image-tree test; teach test/helpers/image-tree.ts`);
    else paths.push(w);
  }
  if (paths.length < 2) throw new Error(`Dockerfile line ${ins.line}: COPY needs a source and a destination`);
  const dest = paths.pop() as string;
  return { from, sources: paths, dest, line: ins.line };
}

/** RUN commands of the runtime stage, split at `&&`: each must be one the test knows how to replay. */
function parseRun(ins: DockerInstruction): ImageStep[] {
  const steps: ImageStep[] = [];
  for (const command of ins.args.split("&&").map((c) => c.trim())) {
    const words = command.split(/\s+/);
    if (words[0] === "npm" && words[1] === "ci") steps.push({ npm: words.slice(1), line: ins.line });
    // Package installs are checked where they matter, by running ENTRYPOINT's binaries on this
    // host; the rest only shrinks layers (and `npm cache clean` must not wipe the host's cache).
    else if (/^apt-get (update|install)\b/.test(command) || /^rm -rf \/var\/lib\/apt\/lists/.test(command) || /^npm cache clean\b/.test(command)) continue;
    else throw new Error(`Dockerfile line ${ins.line}: RUN ${command} is not replayed by the image-tree test; teach test/helpers/image-tree.ts`);
  }
  return steps;
}

function parseEnv(ins: DockerInstruction, env: Record<string, string>): void {
  // `ENV k=v k2="v 2"` or the legacy `ENV k v`.
  if (!ins.args.includes("=")) {
    const [k, ...v] = ins.args.split(/\s+/);
    env[k] = v.join(" ");
    return;
  }
  for (const m of ins.args.matchAll(/(\w+)=("([^"]*)"|\S*)/g)) env[m[1]] = m[3] ?? m[2];
}

export function runtimeStage(stages: DockerStage[]): ImageSpec {
  const stage = stages.at(-1);
  if (!stage) throw new Error("the Dockerfile has no FROM");
  const spec: ImageSpec = { image: stage.image, workdir: "/", env: {}, user: undefined, entrypoint: [], cmd: [], steps: [] };
  for (const ins of stage.instructions) {
    switch (ins.keyword) {
      case "WORKDIR":
        spec.workdir = posix.resolve(spec.workdir, ins.args);
        break;
      case "ENV":
        parseEnv(ins, spec.env);
        break;
      case "USER":
        spec.user = ins.args;
        break;
      case "ENTRYPOINT":
        spec.entrypoint = execForm(ins);
        break;
      case "CMD":
        spec.cmd = execForm(ins);
        break;
      case "COPY":
        if (spec.workdir !== "/app") throw new Error(`Dockerfile line ${ins.line}: the image-tree test expects COPY into WORKDIR /app`);
        spec.steps.push({ copy: parseCopy(ins) });
        break;
      case "RUN":
        spec.steps.push(...parseRun(ins));
        break;
      case "EXPOSE":
      case "LABEL":
      case "STOPSIGNAL":
        break;
      default:
        throw new Error(`Dockerfile line ${ins.line}: ${ins.keyword} in the runtime stage is not replayed by the image-tree test; teach test/helpers/image-tree.ts`);
    }
  }
  return spec;
}

/** .dockerignore as a predicate on context-relative paths (Go filepath.Match syntax plus `**`, `!`). */
export function dockerIgnore(text: string): (path: string) => boolean {
  const rules = text.split("\n").map((l) => l.trim()).filter((l) => l !== "" && !l.startsWith("#")).map((l) => {
    const negate = l.startsWith("!");
    const pattern = posix.normalize((negate ? l.slice(1) : l).replace(/^\/+/, "")).replace(/\/+$/, "");
    const re = pattern.split("/").map((seg) => seg === "**" ? ".*" : seg.replace(/[.+^${}()|[\]\\]/g, "\\$&").replaceAll("*", "[^/]*").replaceAll("?", "[^/]")).join("/");
    // A pattern matching a directory excludes everything under it.
    return { negate, re: new RegExp(`^${re.replaceAll(".*/", "(?:.*/)?")}(?:/.*)?$`) };
  });
  return (path) => {
    let ignored = false;
    for (const r of rules) if (r.re.test(path)) ignored = !r.negate;
    return ignored;
  };
}

export interface ImageTree {
  /** The directory standing in for the image's WORKDIR. */
  dir: string;
  spec: ImageSpec;
  remove(): void;
}

/**
 * Builds the runtime stage's files in a fresh temp dir: context sources from the repository (minus
 * .dockerignore), `--from=<stage>` sources from the repository's built state (that stage's own
 * COPYs are followed back to the context; anything else, such as dist/, is what its RUN built),
 * then the stage's `npm ci` in the tree. Owned by root and read-only for everyone else, as COPY
 * leaves files in an image.
 */
export function buildImageTree(repo: string, dockerfile: string): ImageTree {
  const stages = parseDockerfile(readFileSync(join(repo, dockerfile), "utf8"));
  const spec = runtimeStage(stages);
  const ignored = existsSync(join(repo, ".dockerignore")) ? dockerIgnore(readFileSync(join(repo, ".dockerignore"), "utf8")) : () => false;
  const dir = mkdtempSync(join(tmpdir(), "recflow-image-"));
  const remove = (): void => rmSync(dir, { recursive: true, force: true });
  try {
    // mkdtemp makes 0700; the image's user must be able to read and enter it, never write it.
    chmodSync(dir, 0o755);
    for (const step of spec.steps) {
      if ("npm" in step) {
        // --prefer-offline: the host's npm cache answers what it can; the result is the same tree.
        execFileSync("npm", [...step.npm, "--prefer-offline"], { cwd: dir, stdio: ["ignore", "ignore", "pipe"], env: { ...process.env, NODE_ENV: spec.env.NODE_ENV ?? "" } });
        continue;
      }
      const { from, sources, dest, line } = step.copy;
      const destInImage = posix.resolve(spec.workdir, dest);
      if (destInImage !== "/app" && !destInImage.startsWith("/app/")) throw new Error(`Dockerfile line ${line}: COPY to ${destInImage}, outside /app, is not replayed by the image-tree test`);
      const intoDir = dest.endsWith("/") || sources.length > 1;
      for (const source of sources) {
        const context = from === undefined ? { path: posix.normalize(source), fromContext: true } : fromStage(repo, stages, from, source, line);
        const abs = join(repo, context.path);
        if (context.fromContext && ignored(context.path)) throw new Error(`Dockerfile line ${line}: ${source} is excluded by .dockerignore, so docker build would not find it`);
        if (!existsSync(abs)) throw new Error(`Dockerfile line ${line}: ${source} (${context.path} in the repository) does not exist; run npm run build first`);
        // A directory's contents go into the destination; a file goes into it when it is a directory.
        const isDir = statSync(abs).isDirectory();
        const target = join(dir, posix.relative("/app", destInImage), intoDir && !isDir ? basename(source) : "");
        mkdirSync(dirname(target), { recursive: true, mode: 0o755 });
        cpSync(abs, target, {
          recursive: true,
          filter: (p) => !context.fromContext || !ignored(relative(repo, p).split("\\").join("/")),
        });
        if (isDir) chmodSync(target, 0o755);
      }
    }
  } catch (err) {
    remove();
    throw err;
  }
  return { dir, spec, remove };
}

/** Where a `COPY --from=<stage> <path>` file comes from in the repository. */
function fromStage(repo: string, stages: DockerStage[], name: string, source: string, line: number): { path: string; fromContext: boolean } {
  const stage = stages.find((s) => s.name === name);
  if (!stage) throw new Error(`Dockerfile line ${line}: --from=${name} names no stage (an external image is not replayed)`);
  let workdir = "/";
  const copies: Array<{ dest: string; src: string }> = [];
  for (const ins of stage.instructions) {
    if (ins.keyword === "WORKDIR") workdir = posix.resolve(workdir, ins.args);
    if (ins.keyword === "COPY") {
      const c = parseCopy(ins);
      if (c.from !== undefined) continue;
      const intoDir = c.dest.endsWith("/") || c.sources.length > 1;
      for (const s of c.sources) {
        const isDir = existsSync(join(repo, s)) && statSync(join(repo, s)).isDirectory();
        copies.push({ src: posix.normalize(s), dest: posix.resolve(workdir, intoDir && !isDir ? posix.join(c.dest, posix.basename(s)) : c.dest) });
      }
    }
  }
  const abs = posix.resolve(workdir, source);
  const fromRoot = posix.relative(workdir, abs);
  if (fromRoot.startsWith("..")) throw new Error(`Dockerfile line ${line}: ${source} lies outside stage ${name}'s WORKDIR ${workdir}`);
  // The latest COPY that covers the path wins, as in the layered file system.
  for (const c of copies.reverse()) {
    if (abs === c.dest || abs.startsWith(`${c.dest}/`)) return { path: posix.join(c.src, posix.relative(c.dest, abs)), fromContext: true };
  }
  return { path: fromRoot, fromContext: false };
}
