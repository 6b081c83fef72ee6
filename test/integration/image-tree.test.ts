// The shipped image without a Docker engine: the runtime stage of deploy/docker/Dockerfile is
// replayed into a temp dir (its COPY lines, its `npm ci --omit=dev`), and a gateway and a worker
// are started from that tree alone, through the image's ENTRYPOINT and CMD, as an unprivileged
// user, against a real nats-server. A file the image forgets (a run-time read of src/, a dev
// dependency, a thread entry outside dist/) fails here as it would fail every container.
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, lstatSync, readFileSync, readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call, createDatasetsClient, createTasksClient, uploadDataset, type DatasetsServiceClient, type TasksServiceClient } from "../../src/api/client.js";
import type { Dataset__Output } from "../../src/generated/recflow/v1/Dataset.js";
import type { TaskEvent__Output } from "../../src/generated/recflow/v1/TaskEvent.js";
import type { SubmitTaskRequest } from "../../src/generated/recflow/v1/SubmitTaskRequest.js";
import type { Task__Output } from "../../src/generated/recflow/v1/Task.js";
import type { TaskSpec } from "../../src/generated/recflow/v1/TaskSpec.js";
import { startNats, type TestNats } from "../helpers/nats.js";
import { collectWatch, terminalEvents } from "../helpers/stack.js";
import { buildImageTree, type ImageTree } from "../helpers/image-tree.js";

const REPO = fileURLToPath(new URL("../..", import.meta.url));
const DOCKERFILE = "deploy/docker/Dockerfile";
/** `nobody`: owns nothing in the tree, like the image's user owns nothing COPY wrote. */
const UNPRIVILEGED = { uid: 65534, gid: 65534 };

interface ImageProc {
  name: string;
  child: ChildProcess;
  ready: Record<string, unknown>;
  output: string[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Every live descendant of `pid` (tini's node, script's shell…), from /proc. */
function descendants(pid: number): number[] {
  const out: number[] = [];
  let tasks: string[];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return out;
  }
  for (const t of tasks) {
    let children: string;
    try {
      children = readFileSync(`/proc/${pid}/task/${t}/children`, "utf8");
    } catch {
      continue;
    }
    for (const c of children.split(" ").filter(Boolean).map(Number)) out.push(c, ...descendants(c));
  }
  return out;
}

/** Starts `argv` in the tree as the unprivileged user and waits for recflow's JSON ready line. */
async function startInTree(tree: ImageTree, name: string, argv: string[], env: Record<string, string>): Promise<ImageProc> {
  const [command, ...args] = argv;
  const child = spawn(command, args, { cwd: tree.dir, env, ...UNPRIVILEGED, stdio: ["ignore", "pipe", "pipe"] });
  const output: string[] = [];
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once("exit", (code, signal) => resolve({ code, signal })));
  createInterface({ input: child.stderr }).on("line", (l) => output.push(l));
  const ready = await new Promise<Record<string, unknown>>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} not ready in 20 s; output:\n${output.join("\n")}`)), 20_000);
    createInterface({ input: child.stdout }).on("line", (line) => {
      // Behind a terminal (script) lines end in \r\n and carry the pretty log too.
      const text = line.trim();
      let msg: Record<string, unknown> | undefined;
      try {
        msg = text.startsWith("{") ? (JSON.parse(text) as Record<string, unknown>) : undefined;
      } catch {
        // not the ready line
      }
      if (msg?.ready) {
        clearTimeout(timer);
        resolve(msg);
      } else output.push(text);
    });
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited (${code ?? signal}) during start-up; output:\n${output.join("\n")}`));
    });
  });
  return { name, child, ready, output, exited };
}

/**
 * `signal` (SIGTERM: tini forwards it to node; null: it was sent elsewhere), then SIGKILL to the
 * whole tree of processes after `graceMs`.
 */
async function stop(p: ImageProc, graceMs = 10_000, signal: NodeJS.Signals | null = "SIGTERM"): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (p.child.exitCode !== null || p.child.signalCode !== null) return p.exited;
  if (signal) p.child.kill(signal);
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<"late">((r) => (timer = setTimeout(() => r("late"), graceMs)));
  const first = await Promise.race([p.exited, late]);
  clearTimeout(timer);
  if (first !== "late") return first;
  // Listed while the child still lives, so no pid here can have been reused. tini isolates node in
  // a process group of its own, so a group kill would miss it and leave node orphaned: kill by pid.
  const pid = p.child.pid as number;
  for (const q of [...descendants(pid).reverse(), pid]) {
    try {
      process.kill(q, "SIGKILL");
    } catch {
      // already gone
    }
  }
  return p.exited;
}

describe("the image's file tree (runtime stage of deploy/docker/Dockerfile)", () => {
  let tree: ImageTree | undefined;
  let nats: TestNats | undefined;
  const procs: ImageProc[] = [];
  let gateway: ImageProc | undefined;
  let worker: ImageProc | undefined;
  let client: TasksServiceClient | undefined;
  let datasets: DatasetsServiceClient | undefined;
  let baseEnv: Record<string, string> = {};

  beforeAll(async () => {
    tree = buildImageTree(REPO, DOCKERFILE);
    const spec = tree.spec;
    if (!existsSync(spec.entrypoint[0])) throw new Error(`${spec.entrypoint[0]} (the image's ENTRYPOINT) is not installed here; scripts/setup.sh installs it`);
    nats = await startNats();
    baseEnv = {
      // What Docker gives a container: the base image's PATH (node on it), HOME of a user without
      // one, then the Dockerfile's ENV; the rest is what a deployment sets.
      PATH: `${dirname(process.execPath)}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin`,
      HOME: "/nonexistent",
      // tini is PID 1 in a container; here it is not, so it must register as a subreaper to reap
      // the same way (and not warn about it on every start).
      TINI_SUBREAPER: "1",
      ...spec.env,
      NATS_URL: nats.url,
      RECFLOW_METRICS_ADDRESS: "127.0.0.1:0",
      RECFLOW_THREADS: "1",
      RECFLOW_SHUTDOWN_GRACE_MS: "5000",
    };
    gateway = await startInTree(tree, "gateway", [...spec.entrypoint, "gateway"], { ...baseEnv, RECFLOW_GRPC_ADDRESS: "127.0.0.1:0" });
    procs.push(gateway);
    // The worker takes the image's default CMD, as `docker run recflow` does. A two-thread ALS
    // team, so training spawns its helper thread from the tree too.
    worker = await startInTree(tree, "worker", [...spec.entrypoint, ...spec.cmd], { ...baseEnv, RECFLOW_WORKER_ID: "image-worker", RECFLOW_TRAIN_THREADS: "2" });
    procs.push(worker);
    client = createTasksClient(`127.0.0.1:${Number(gateway.ready.port)}`);
    datasets = createDatasetsClient(`127.0.0.1:${Number(gateway.ready.port)}`);
  }, 180_000);

  afterAll(async () => {
    client?.close();
    datasets?.close();
    await Promise.all(procs.map((p) => stop(p, 2_000)));
    await nats?.stop();
    tree?.remove();
  });

  /** Every event of a task until its end; the processes' output names the cause of a failure. */
  async function run(task: TaskSpec): Promise<TaskEvent__Output[]> {
    const c = client as TasksServiceClient;
    const submitted = await call<SubmitTaskRequest, Task__Output>(c.SubmitTask.bind(c), { requestId: "", task }, { deadlineMs: 10_000 });
    const events = await collectWatch(c, submitted.id, 0, 60_000);
    const output = `worker output:\n${worker?.output.join("\n")}\ngateway output:\n${gateway?.output.join("\n")}`;
    expect(terminalEvents(events).map((e) => e.event), output).toEqual(["succeeded"]);
    return events;
  }

  it("runs node under tini in exec form, as a numeric non-root user", () => {
    const spec = tree?.spec;
    expect(spec?.entrypoint.slice(0, 2)).toEqual(["/usr/bin/tini", "--"]);
    expect(spec?.entrypoint.slice(2)).toEqual(["node", "dist/cli/main.js"]);
    expect(spec?.cmd).toEqual(["worker"]);
    // Numeric, so Kubernetes' runAsNonRoot can verify it without a runAsUser.
    expect(spec?.user).toMatch(/^[1-9]\d*(:\d+)?$/);
    expect(spec?.env.NODE_ENV).toBe("production");
    // The tree is only as good as the Node it runs on: the image's major must be this one.
    expect(spec?.image).toMatch(new RegExp(`^node:${process.versions.node.split(".")[0]}\\b`));
  });

  it("holds no src/, no dev dependency, and no file its user can write", () => {
    const dir = tree?.dir as string;
    expect(existsSync(join(dir, "src"))).toBe(false);
    expect(existsSync(join(dir, "node_modules", "typescript"))).toBe(false);
    expect(existsSync(join(dir, "node_modules", "pino-pretty"))).toBe(false);
    expect(existsSync(join(dir, "dist", "cli", "main.js"))).toBe(true);
    // COPY leaves root-owned files; a process that writes next to its code fails in the image
    // (and under readOnlyRootFilesystem), so the tree must not let it write here either.
    const writable = readdirSync(dir, { recursive: true, encoding: "utf8" }).concat(".").filter((p) => {
      const st = lstatSync(join(dir, p));
      return !st.isSymbolicLink() && (st.uid !== 0 || (st.mode & 0o022) !== 0);
    });
    expect(writable).toEqual([]);
  });

  it("runs a Probe to SUCCEEDED on a gateway and a worker started from the tree as an unprivileged user", async () => {
    const events = await run({ probe: { workMs: 200, progressSteps: 2 } });
    expect(events.find((e) => e.event === "started")?.started?.workerId).toBe("image-worker");
  });

  it("compiles an upload, trains ALS on a thread team and recommends from the tree", async () => {
    // The upload's compile thread (gateway), the ALS team's helper thread and the WASM kernels
    // (worker) are loaded only on these paths.
    const csv = "user,item,weight\n" + Array.from({ length: 60 }, (_, k) => `u${k % 12},i${(k * 7) % 15},1`).join("\n") + "\n";
    const d = await uploadDataset<Dataset__Output>(datasets as DatasetsServiceClient, { datasetId: "image-ds" }, [new TextEncoder().encode(csv)]);
    expect(d.users).toBe(12);
    const trained = await run({ trainModel: { datasetId: "image-ds", algorithm: "ALGORITHM_ALS", als: { factors: 4, iterations: 2 }, seed: 1 } });
    const modelId = trained.at(-1)?.succeeded?.result?.trainModel?.modelId ?? "";
    expect(modelId).toMatch(/^m_/);
    const recommended = await run({ recommend: { modelId, userIds: ["u1"], k: 3 } });
    const lists = recommended.flatMap((e) => e.partialResult?.recommendations ?? []);
    expect(lists.map((r) => r.userId)).toEqual(["u1"]);
    expect(lists[0].items.length).toBeGreaterThan(0);
  });

  it("starts a worker on a terminal (docker run -it) and stops it with exit 0 on SIGTERM through tini", async () => {
    const spec = (tree as ImageTree).spec;
    // script(1) gives the process a pseudo-terminal, so stderr.isTTY is true as with `-t`; -e
    // makes script exit with the status of what it ran.
    const cmd = [...spec.entrypoint, ...spec.cmd].map((a) => `'${a.replaceAll("'", "'\\''")}'`).join(" ");
    const tty = await startInTree(tree as ImageTree, "tty worker", ["script", "-qec", cmd, "/dev/null"], { ...baseEnv, RECFLOW_WORKER_ID: "tty-worker" });
    procs.push(tty);
    expect(tty.ready.ready).toBe("worker");
    // script(1) keeps SIGTERM to itself; signal tini as the container runtime would.
    const tini = descendants(tty.child.pid as number).find((pid) => readFileSync(`/proc/${pid}/comm`, "utf8").trim() === "tini");
    expect(tini, "tini under script(1)").toBeDefined();
    process.kill(tini as number, "SIGTERM");
    expect(await stop(tty, 15_000, null), `output:\n${tty.output.join("\n")}`).toEqual({ code: 0, signal: null });
  });
});
