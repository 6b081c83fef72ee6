// Deployment artefacts: deploy/docker/Dockerfile, the kustomize overlays under deploy/k8s and the
// NATS Helm values. The overlays are rendered with `kubectl kustomize` (kubectl must be on PATH:
// these tests fail, never skip, without it). YAML is turned into JSON by kubectl too (an identity
// `kubectl patch --local`), so the tests need no YAML library. They assume dist/ is built.
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { connect } from "nats";
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { GATEWAY_NODE_OPTIONS } from "../../src/bench/common.js";
import { LocalNatsServer, freePort } from "../../src/cli/nats-server.js";
import { TASKS_STREAM, WORKERS_CONSUMER, ensureTopology } from "../../src/nats/index.js";
import { taskSubject } from "../../src/nats/subjects.js";

const ROOT = resolve(import.meta.dirname, "../..");

interface ConfigModule {
  CONFIG_KEYS: string[];
  envNameOf: (key: string) => string;
  compileConfig: (options: object, env: Record<string, string | undefined>) => { streamReplicas: number; shutdownGraceMs: number };
}

const configJs = resolve(ROOT, "dist/config.js");
if (!existsSync(configJs)) throw new Error(`${configJs} is missing: run \`npm run build\` before the deploy tests`);
const config = (await import(pathToFileURL(configJs).href)) as ConfigModule;
/** Every recflow environment variable. */
const CONFIG_ENV = config.CONFIG_KEYS.map((k) => config.envNameOf(k));
/** NATS credentials (one auth mode of these) come from Secret recflow-secrets, never the ConfigMap. */
const SECRET_ENV = ["NATS_CREDS", "NATS_NKEY_SEED_FILE", "NATS_USER", "NATS_PASSWORD"];

// ---------------------------------------------------------------------------------------------
// kubectl

function kubectl(args: string[], input?: string): string {
  try {
    return execFileSync("kubectl", args, { cwd: ROOT, input, encoding: "utf8", maxBuffer: 64 * 1024 * 1024, stdio: ["pipe", "pipe", "pipe"] });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") {
      throw new Error("kubectl was not found on PATH. The deploy tests render deploy/k8s with `kubectl kustomize`; install kubectl (1.27+, kustomize v5) — these tests do not skip.", { cause: err });
    }
    const stderr = (err as { stderr?: string }).stderr ?? "";
    throw new Error(`kubectl ${args.join(" ")} failed: ${stderr || String(err)}`, { cause: err });
  }
}

interface Metadata {
  name: string;
  namespace?: string;
  labels?: Record<string, string>;
}
interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: Metadata;
  spec?: unknown;
  data?: Record<string, string>;
}
interface Probe {
  grpc?: { port: number; service?: string };
  httpGet?: { path: string; port: number | string };
}
interface SecurityContext {
  runAsNonRoot?: boolean;
  runAsUser?: number;
  readOnlyRootFilesystem?: boolean;
  allowPrivilegeEscalation?: boolean;
}
interface Container {
  name: string;
  image: string;
  args?: string[];
  ports?: { name?: string; containerPort: number }[];
  readinessProbe?: Probe;
  livenessProbe?: Probe;
  securityContext?: SecurityContext;
  env?: { name: string; value?: string }[];
  envFrom?: { configMapRef?: { name: string; optional?: boolean }; secretRef?: { name: string; optional?: boolean } }[];
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
}
interface Deployment extends K8sObject {
  spec: {
    replicas?: number;
    template: { spec: { terminationGracePeriodSeconds?: number; securityContext?: SecurityContext; containers: Container[] } };
  };
}
interface ScaledObject extends K8sObject {
  spec: {
    scaleTargetRef: { name: string; kind?: string };
    minReplicaCount?: number;
    maxReplicaCount?: number;
    triggers: { type: string; metadata: Record<string, string> }[];
  };
}
interface Service extends K8sObject {
  spec: { type?: string; ports: { name?: string; port: number; appProtocol?: string }[] };
}

/** Parses a multi-document YAML stream of Kubernetes-shaped objects (apiVersion, kind, metadata.name). */
function parseK8sYaml(text: string): K8sObject[] {
  const out = kubectl(["patch", "--local", "-f", "-", "--type", "merge", "-p", "{}", "-o", 'jsonpath={@}{"\\n"}'], text);
  return out
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => JSON.parse(line) as K8sObject);
}

/** Parses any block-style YAML mapping by wrapping it, indented, in a synthetic object. */
function parseYamlMapping(text: string): unknown {
  const indented = text
    .split("\n")
    .map((line) => (line.trim() === "" ? "" : `  ${line}`))
    .join("\n");
  const wrapped = `apiVersion: recflow.test/v1\nkind: YamlDocument\nmetadata:\n  name: doc\nspec:\n${indented}\n`;
  const [obj] = parseK8sYaml(wrapped);
  return obj.spec;
}

const rendered = new Map<string, K8sObject[]>();
function render(overlay: string): K8sObject[] {
  let objects = rendered.get(overlay);
  if (!objects) {
    objects = parseK8sYaml(kubectl(["kustomize", `deploy/k8s/overlays/${overlay}`]));
    rendered.set(overlay, objects);
  }
  return objects;
}

function ofKind<T extends K8sObject = K8sObject>(objects: K8sObject[], kind: string): T[] {
  return objects.filter((o) => o.kind === kind) as T[];
}

function component(objects: K8sObject[], kind: string, name: "gateway" | "worker"): K8sObject {
  const found = objects.filter((o) => o.kind === kind && o.metadata.labels?.["app.kubernetes.io/component"] === name);
  expect(found, `${kind} with app.kubernetes.io/component=${name}`).toHaveLength(1);
  return found[0];
}

function configMap(objects: K8sObject[]): Record<string, string> {
  const maps = ofKind(objects, "ConfigMap").filter((o) => o.metadata.name.startsWith("recflow-config"));
  expect(maps).toHaveLength(1);
  return maps[0].data ?? {};
}

/** The account the worker ScaledObject's nats-jetstream trigger reads. */
function kedaAccount(objects: K8sObject[]): string {
  const scaled = ofKind<ScaledObject>(objects, "ScaledObject");
  expect(scaled).toHaveLength(1);
  const triggers = scaled[0].spec.triggers.filter((t) => t.type === "nats-jetstream");
  expect(triggers).toHaveLength(1);
  return triggers[0].metadata.account ?? "";
}

/** The NATS account everyone is in on a server without accounts configured. */
const GLOBAL_ACCOUNT = "$G";

// ---------------------------------------------------------------------------------------------
// Dockerfile

/** Dockerfile instructions (continuations joined, comments dropped), grouped by stage. */
function dockerStages(text: string): { from: string; instructions: string[] }[] {
  const lines = text
    .replace(/\\\r?\n/g, " ")
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== "" && !l.startsWith("#"));
  const stages: { from: string; instructions: string[] }[] = [];
  for (const line of lines) {
    if (/^FROM\s/i.test(line)) stages.push({ from: line, instructions: [] });
    else if (stages.length > 0) stages[stages.length - 1].instructions.push(line);
    else expect(line, "only ARG may precede the first FROM").toMatch(/^ARG\s/i);
  }
  return stages;
}

describe("deploy/docker/Dockerfile", () => {
  const text = readFileSync(resolve(ROOT, "deploy/docker/Dockerfile"), "utf8");
  const stages = dockerStages(text);
  const build = stages.find((s) => /\sAS\s+build$/i.test(s.from));
  const runtime = stages[stages.length - 1];
  const runtimeText = runtime.instructions.join("\n");

  it("is multi-stage: a build stage and a separate runtime stage", () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    expect(build, "a stage `FROM ... AS build`").toBeDefined();
    expect(runtime).not.toBe(build);
    expect(build?.instructions.join("\n")).toMatch(/npm run build/);
    expect(runtimeText).toMatch(/COPY\s+--from=build\s+\S*dist/);
  });

  it("installs only production dependencies in the runtime stage", () => {
    expect(runtimeText).toMatch(/^RUN\s+.*npm ci\b.*--omit=dev/m);
  });

  it("runs as a non-root user", () => {
    const users = runtime.instructions.filter((i) => /^USER\s/i.test(i)).map((i) => i.split(/\s+/)[1]);
    expect(users.length, "a USER instruction in the runtime stage").toBeGreaterThan(0);
    const user = users[users.length - 1];
    expect(["root", "0", "0:0", "root:root"]).not.toContain(user);
  });

  it("starts node under tini with an entry point that exists in dist/", () => {
    expect(runtimeText).toMatch(/apt-get install[^\n]*\btini\b/);
    const entry = runtime.instructions.find((i) => /^ENTRYPOINT\s/i.test(i));
    expect(entry, "an ENTRYPOINT in the runtime stage").toBeDefined();
    const argv = JSON.parse((entry ?? "").replace(/^ENTRYPOINT\s+/i, "")) as string[];
    expect(argv[0]).toMatch(/\/tini$/);
    expect(argv).toContain("node");
    const script = argv.find((a) => a.endsWith(".js"));
    expect(script).toMatch(/^dist\//);
    expect(existsSync(resolve(ROOT, script ?? "")), `${script} must exist (is dist/ built?)`).toBe(true);
    const cmd = runtime.instructions.find((i) => /^CMD\s/i.test(i));
    expect(JSON.parse((cmd ?? "").replace(/^CMD\s+/i, "")) as string[]).toEqual(["worker"]);
  });

  it("bakes no secret into ARG or ENV", () => {
    const argsAndEnv = stages.flatMap((s) => s.instructions).filter((i) => /^(ARG|ENV)\s/i.test(i));
    for (const instruction of argsAndEnv) expect(instruction).not.toMatch(/(PASSWORD|SECRET|TOKEN|KEY)=/i);
  });

  it("keeps node_modules, dist, .git and key material out of the build context", () => {
    const ignored = readFileSync(resolve(ROOT, ".dockerignore"), "utf8").split(/\r?\n/).map((l) => l.trim());
    for (const entry of ["node_modules", "dist", ".git", "test-results", "bench/results", "*.pem", "*.key"]) expect(ignored).toContain(entry);
  });
});

// ---------------------------------------------------------------------------------------------
// Kubernetes

describe.each(["dev", "production"])("deploy/k8s/overlays/%s", (overlay) => {
  it("renders every kind the service needs", () => {
    const objects = render(overlay);
    const count = (kind: string): number => ofKind(objects, kind).length;
    expect(count("Deployment")).toBe(2);
    expect(count("Service")).toBeGreaterThanOrEqual(1);
    expect(count("ScaledObject")).toBe(1);
    expect(count("PodDisruptionBudget")).toBe(2);
    expect(count("NetworkPolicy")).toBeGreaterThanOrEqual(1);
    expect(count("ConfigMap")).toBe(1);
    expect(count("Secret"), "secrets are created out of band, never rendered").toBe(0);
    for (const o of objects) expect(o.metadata.labels?.["app.kubernetes.io/name"], `${o.kind}/${o.metadata.name}`).toBe("recflow");
  });

  it("runs the gateway with native gRPC readiness and liveness probes on 50051", () => {
    const gateway = component(render(overlay), "Deployment", "gateway") as Deployment;
    const [container] = gateway.spec.template.spec.containers;
    expect(container.args).toEqual(["gateway"]);
    expect(container.readinessProbe?.grpc?.port).toBe(50051);
    expect(container.livenessProbe?.grpc?.port).toBe(50051);
    expect(container.ports?.map((p) => p.containerPort)).toEqual(expect.arrayContaining([50051, 9464]));
    // The heap cap the benches measured the gateway with (W6 memory) is the one deployed.
    expect(container.env?.find((e) => e.name === "NODE_OPTIONS")?.value).toBe(GATEWAY_NODE_OPTIONS);
    const service = component(render(overlay), "Service", "gateway") as Service;
    expect(service.spec.type ?? "ClusterIP").toBe("ClusterIP");
    expect(service.spec.ports).toEqual(expect.arrayContaining([expect.objectContaining({ name: "grpc", port: 50051, appProtocol: "grpc" })]));
    expect(service.spec.ports.map((p) => p.port)).toContain(9464);
  });

  it("lists every NATS server as a seed where NATS runs three, the one Service in dev", () => {
    const seeds = configMap(render(overlay)).NATS_URL.split(",");
    if (overlay === "dev") expect(seeds).toEqual(["nats://nats.nats.svc.cluster.local:4222"]);
    else expect(seeds).toEqual([0, 1, 2].map((i) => `nats://nats-${i}.nats-headless.nats.svc.cluster.local:4222`));
  });

  it("gives workers more termination grace than RECFLOW_SHUTDOWN_GRACE_MS plus a margin", () => {
    const objects = render(overlay);
    const worker = component(objects, "Deployment", "worker") as Deployment;
    expect(worker.spec.template.spec.containers[0].args).toEqual(["worker"]);
    const graceMs = Number(configMap(objects).RECFLOW_SHUTDOWN_GRACE_MS);
    expect(Number.isInteger(graceMs)).toBe(true);
    const terminationMs = (worker.spec.template.spec.terminationGracePeriodSeconds ?? 30) * 1000;
    expect(terminationMs).toBeGreaterThan(graceMs);
    expect(terminationMs - graceMs, "margin for the hand-back after the grace period").toBeGreaterThanOrEqual(5_000);
  });

  it("scales workers with KEDA on the JetStream consumer lag", () => {
    const objects = render(overlay);
    const [scaled] = ofKind<ScaledObject>(objects, "ScaledObject");
    expect(scaled.apiVersion).toBe("keda.sh/v1alpha1");
    expect(scaled.spec.scaleTargetRef.name).toBe(component(objects, "Deployment", "worker").metadata.name);
    expect(scaled.spec.minReplicaCount).toBeGreaterThanOrEqual(1);
    const [trigger] = scaled.spec.triggers;
    expect(trigger.type).toBe("nats-jetstream");
    expect(trigger.metadata).toMatchObject({ stream: "RECFLOW_TASKS", consumer: "workers" });
    expect(Number(trigger.metadata.lagThreshold)).toBeGreaterThan(0);
    const worker = component(objects, "Deployment", "worker") as Deployment;
    expect(worker.spec.replicas, "KEDA owns the worker count").toBeUndefined();
  });

  it("names the NATS account of recflow's streams in the KEDA trigger, set by the overlay", () => {
    // KEDA reads /jsz?acc=<account> and, finding no stream there, reports a lag of 0 without an
    // error: an account left at the base's placeholder (or a wrong one) silently stops scaling.
    const base = parseK8sYaml(readFileSync(resolve(ROOT, "deploy/k8s/base/worker-scaledobject.yaml"), "utf8")) as ScaledObject[];
    const placeholder = base[0].spec.triggers[0].metadata.account;
    const account = kedaAccount(render(overlay));
    expect(account, "the overlay sets the account").not.toBe(placeholder);
    expect(account).toMatch(/^\S+$/);
    expect(account).toBe(overlay === "production" ? natsAccountOfRecflow() : GLOBAL_ACCOUNT);
  });

  it("puts every config variable but the secrets in the ConfigMap, and the ConfigMap compiles", () => {
    const data = configMap(render(overlay));
    for (const name of CONFIG_ENV.filter((n) => !SECRET_ENV.includes(n))) expect(Object.keys(data), name).toContain(name);
    for (const name of SECRET_ENV) expect(Object.keys(data)).not.toContain(name);
    for (const [name, value] of Object.entries(data)) {
      if (/PASSWORD|SECRET|TOKEN|CREDS|SEED/i.test(name)) expect(value, `${name} looks secret`).toBe("");
    }
    for (const name of Object.keys(data)) expect(CONFIG_ENV, `unknown variable ${name} in the ConfigMap`).toContain(name);
    expect(() => config.compileConfig({}, data)).not.toThrow();
    expect(data.RECFLOW_ALLOW_FAULT_INJECTION).not.toMatch(/^(1|true|yes)$/i);
  });

  it("feeds both Deployments from recflow-config and the optional Secret recflow-secrets", () => {
    const objects = render(overlay);
    const configName = ofKind(objects, "ConfigMap")[0].metadata.name;
    for (const d of ofKind<Deployment>(objects, "Deployment")) {
      for (const c of d.spec.template.spec.containers) {
        expect(c.envFrom, `${d.metadata.name}/${c.name}`).toEqual(
          expect.arrayContaining([{ configMapRef: { name: configName } }, { secretRef: { name: "recflow-secrets", optional: true } }]),
        );
        expect(c.resources?.requests?.cpu, `${d.metadata.name}/${c.name} cpu request`).toBeDefined();
        expect(c.resources?.limits?.memory, `${d.metadata.name}/${c.name} memory limit`).toBeDefined();
      }
    }
  });

  it("runs every container as non-root with a read-only root filesystem", () => {
    for (const d of ofKind<Deployment>(render(overlay), "Deployment")) {
      const pod = d.spec.template.spec;
      for (const c of pod.containers) {
        const where = `${d.metadata.name}/${c.name}`;
        expect(c.securityContext?.runAsNonRoot ?? pod.securityContext?.runAsNonRoot, where).toBe(true);
        expect(c.securityContext?.readOnlyRootFilesystem, where).toBe(true);
        expect(c.securityContext?.allowPrivilegeEscalation, where).toBe(false);
      }
    }
  });

  if (overlay === "production") {
    it("production: namespace recflow, 3 gateways, pinned image, up to 50 workers", () => {
      const objects = render(overlay);
      for (const o of objects) expect(o.metadata.namespace, `${o.kind}/${o.metadata.name}`).toBe("recflow");
      expect((component(objects, "Deployment", "gateway") as Deployment).spec.replicas).toBe(3);
      expect(configMap(objects).RECFLOW_STREAM_REPLICAS).toBe("3");
      expect(ofKind<ScaledObject>(objects, "ScaledObject")[0].spec.maxReplicaCount).toBe(50);
      for (const d of ofKind<Deployment>(objects, "Deployment")) {
        for (const c of d.spec.template.spec.containers) expect(c.image).toMatch(/:\d+\.\d+\.\d+$/);
      }
    });
  } else {
    it("dev: 1 gateway, R1 streams, at most 2 workers", () => {
      const objects = render(overlay);
      expect((component(objects, "Deployment", "gateway") as Deployment).spec.replicas).toBe(1);
      expect(configMap(objects).RECFLOW_STREAM_REPLICAS).toBe("1");
      expect(config.compileConfig({}, configMap(objects)).streamReplicas).toBe(1);
      expect(ofKind<ScaledObject>(objects, "ScaledObject")[0].spec.maxReplicaCount).toBe(2);
    });
  }
});

// What the KEDA nats-jetstream scaler sees: it GETs /jsz?acc=<account>&consumers=true on the
// monitoring port, takes that account's entry, and reads num_pending + num_ack_pending of the
// stream's consumer. Anything not found there counts as no lag at all.
interface Jsz {
  account_details?: {
    name: string;
    stream_detail?: { name: string; consumer_detail?: { name: string; num_pending: number; num_ack_pending: number }[] }[];
  }[];
}

async function kedaLag(monitorPort: number, account: string): Promise<number | undefined> {
  const res = await fetch(`http://127.0.0.1:${monitorPort}/jsz?acc=${encodeURIComponent(account)}&consumers=true&config=true`);
  expect(res.status).toBe(200);
  const jsz = (await res.json()) as Jsz;
  const consumer = jsz.account_details
    ?.find((a) => a.name === account)
    ?.stream_detail?.find((st) => st.name === TASKS_STREAM)
    ?.consumer_detail?.find((c) => c.name === WORKERS_CONSUMER);
  return consumer === undefined ? undefined : consumer.num_pending + consumer.num_ack_pending;
}

describe("the production ScaledObject against a NATS with accounts", () => {
  it("reads the task backlog from the account recflow's user is in, where $G sees nothing", async () => {
    const account = kedaAccount(render("production"));
    const dir = mkdtempSync(join(tmpdir(), "recflow-keda-"));
    // The accounts block of deploy/nats/values.yaml, with a literal test password.
    writeFileSync(join(dir, "nats.conf"), `accounts { ${account}: { jetstream: enabled, users: [ { user: recflow, password: "test-pw" } ] } }\n`);
    const monitorPort = await freePort();
    const server = await LocalNatsServer.start({ storeDir: join(dir, "store"), args: ["-c", join(dir, "nats.conf"), "-m", String(monitorPort)] });
    try {
      const nc = await connect({ servers: server.url, user: "recflow", pass: "test-pw" });
      try {
        const jsm = await nc.jetstreamManager();
        await ensureTopology(jsm, {
          streamReplicas: 1, ackWaitMs: 30_000, maxDeliver: 10, maxAckPending: 1000, duplicateWindowMs: 120_000,
          resultRetentionMs: 3_600_000, maxEventBytes: 1 << 20, maxSpecBytes: 1 << 18,
        }, pino({ level: "silent" }));
        const js = nc.jetstream();
        for (let i = 0; i < 3; i++) await js.publish(taskSubject("default", "probe"), new Uint8Array([i]));
      } finally {
        await nc.close();
      }
      expect(await kedaLag(monitorPort, account)).toBe(3);
      expect(await kedaLag(monitorPort, GLOBAL_ACCOUNT), "the old hard-coded $G reads nothing").toBeUndefined();
    } finally {
      await server.stop("SIGKILL");
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

// ---------------------------------------------------------------------------------------------
// NATS Helm values

interface NatsAccount {
  jetstream?: string;
  users?: { user: string; password?: string }[];
}
interface NatsValues {
  container?: { image?: { tag?: string }; env?: Record<string, unknown> };
  config?: {
    merge?: { jetstream?: { sync_interval?: string }; accounts?: Record<string, NatsAccount> };
    cluster?: { enabled?: boolean; replicas?: number };
    jetstream?: {
      enabled?: boolean;
      fileStore?: { enabled?: boolean; pvc?: { enabled?: boolean; size?: string } };
      merge?: { sync_interval?: string };
    };
  };
}

function natsValues(): NatsValues {
  return parseYamlMapping(readFileSync(resolve(ROOT, "deploy/nats/values.yaml"), "utf8")) as NatsValues;
}

/** The one account the NATS values configure with JetStream: where recflow's streams live. */
function natsAccountOfRecflow(): string {
  const accounts = Object.entries(natsValues().config?.merge?.accounts ?? {}).filter(([, a]) => a.jetstream === "enabled");
  expect(accounts.map(([name]) => name), "deploy/nats/values.yaml configures one JetStream account for recflow").toHaveLength(1);
  return accounts[0][0];
}

describe("deploy/nats/values.yaml", () => {
  const text = readFileSync(resolve(ROOT, "deploy/nats/values.yaml"), "utf8");
  const values = natsValues;

  it("puts recflow in an account of its own, with a password from a Secret", () => {
    const name = natsAccountOfRecflow();
    expect(name).not.toBe(GLOBAL_ACCOUNT);
    const account = values().config?.merge?.accounts?.[name];
    expect(account?.users?.map((u) => u.user)).toEqual(["recflow"]);
    // A NATS config variable filled from the container's environment, never a literal password.
    const password = account?.users?.[0].password ?? "";
    const variable = /^<< \$(\w+) >>$/.exec(password)?.[1];
    expect(variable, `password is a << $VAR >> reference, got "${password}"`).toBeDefined();
    expect(values().container?.env?.[variable ?? ""]).toMatchObject({ valueFrom: { secretKeyRef: { key: "password" } } });
  });

  it("pins nats-server 2.10.23 or newer", () => {
    const tag = values().container?.image?.tag ?? "";
    const m = /^v?(\d+)\.(\d+)\.(\d+)(?:-[\w.]+)?$/.exec(tag);
    expect(m, `semver image tag, got "${tag}"`).not.toBeNull();
    const [major, minor, patch] = (m ?? []).slice(1, 4).map(Number);
    const atLeast = major !== 2 ? major > 2 : minor !== 10 ? minor > 10 : patch >= 23;
    expect(atLeast, `${tag} >= 2.10.23`).toBe(true);
  });

  it("runs a 3-node cluster with JetStream on a file store", () => {
    const v = values();
    expect(v.config?.cluster).toMatchObject({ enabled: true, replicas: 3 });
    expect(v.config?.jetstream?.enabled).toBe(true);
    expect(v.config?.jetstream?.fileStore?.enabled).not.toBe(false);
    expect(v.config?.jetstream?.fileStore?.pvc?.enabled).not.toBe(false);
    expect(v.config?.jetstream?.fileStore?.pvc?.size).toMatch(/^\d+(Gi|Ti)$/);
    // The chart's budget (maxUnavailable: 1) keeps a quorum of the three through a drain.
    expect((v as { podDisruptionBudget?: { enabled?: boolean } }).podDisruptionBudget?.enabled).toBe(true);
  });

  it("fsyncs every write (sync_interval: always) and says why", () => {
    const v = values();
    const syncInterval = v.config?.jetstream?.merge?.sync_interval ?? v.config?.merge?.jetstream?.sync_interval;
    expect(syncInterval).toBe("always");
    expect(text).toMatch(/Jepsen/);
  });
});
