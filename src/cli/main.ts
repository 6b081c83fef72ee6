#!/usr/bin/env node
// The `recflow` command line: servers (gateway, worker, dev) and client commands.
import { once } from "node:events";
import { Command, CommanderError, InvalidArgumentError, Option } from "commander";
import { DEFAULT_GRPC_ADDRESS, type RecflowOptions } from "../config.js";
import { describeError, UsageError } from "./output.js";
import { runGateway, runWorker } from "./serve.js";
import { runDev } from "./dev.js";
import type { UiCommandOptions } from "./ui.js";
import { DEFAULT_UI_ADDRESS } from "../ui/index.js";
import { buildSpec, cancel, get, list, submit, watch, type CommonSubmitFlags } from "./task-commands.js";
import type { TaskSpec } from "../generated/recflow/v1/TaskSpec.js";
import { datasetCommand, modelCommand, printDataset, uploadFile } from "./resource-commands.js";
import { aliasCommand } from "./alias-commands.js";
import { MAX_COUNT, watchSelector } from "./batch-commands.js";
import { parseSpecJson } from "./spec-json.js";

/** --model <id> or --alias <name>: exactly one names the model a task reads. */
function modelRef(o: { model?: string; alias?: string }): { modelId: string; alias: string } {
  if (Boolean(o.model) === Boolean(o.alias)) throw new UsageError("give --model <id> or --alias <name> (one of them)");
  return { modelId: o.model ?? "", alias: o.alias ?? "" };
}

function int(min: number, max = Number.MAX_SAFE_INTEGER) {
  return (value: string): number => {
    if (!/^-?\d+$/.test(value.trim())) throw new InvalidArgumentError(`expected an integer, got "${value}"`);
    const n = Number(value);
    if (n < min || n > max) throw new InvalidArgumentError(`expected ${min}..${max}, got ${n}`);
    return n;
  };
}

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

function float(min: number, max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (value.trim() === "" || !Number.isFinite(n) || n < min || n > max) throw new InvalidArgumentError(`expected a number from ${min} to ${max}, got "${value}"`);
    return n;
  };
}

function idList(value: string): string[] {
  const ids = value.split(",").map((v) => v.trim()).filter(Boolean);
  if (ids.length === 0) throw new InvalidArgumentError("expected a comma-separated list of ids");
  return ids;
}

const ORDERS: Record<string, "SOFTMAX_ORDER_OLDEST_FIRST" | "SOFTMAX_ORDER_NEWEST_FIRST" | "SOFTMAX_ORDER_NONE"> = {
  "oldest-first": "SOFTMAX_ORDER_OLDEST_FIRST", "newest-first": "SOFTMAX_ORDER_NEWEST_FIRST", none: "SOFTMAX_ORDER_NONE",
};
const ALGORITHMS: Record<string, string> = {
  als: "ALGORITHM_ALS", item_knn: "ALGORITHM_ITEM_KNN", knn: "ALGORITHM_ITEM_KNN", popularity: "ALGORITHM_POPULARITY",
  sequential_softmax: "ALGORITHM_SEQUENTIAL_SOFTMAX", softmax: "ALGORITHM_SEQUENTIAL_SOFTMAX",
};
const SCALINGS: Record<string, "CONFIDENCE_SCALING_LOG" | "CONFIDENCE_SCALING_LINEAR"> = { log: "CONFIDENCE_SCALING_LOG", linear: "CONFIDENCE_SCALING_LINEAR" };
const WEIGHTINGS: Record<string, "KNN_WEIGHTING_LOG_BM25" | "KNN_WEIGHTING_BM25" | "KNN_WEIGHTING_LOG" | "KNN_WEIGHTING_NONE"> = {
  "log-bm25": "KNN_WEIGHTING_LOG_BM25", bm25: "KNN_WEIGHTING_BM25", log: "KNN_WEIGHTING_LOG", none: "KNN_WEIGHTING_NONE",
};

interface TrainFlags {
  dataset: string;
  factors?: number;
  iterations?: number;
  regularization?: number;
  alpha?: number;
  scaling?: string;
  order?: string;
  neighbors?: number;
  weighting?: string;
  evalK?: number;
  seed: number;
  promoteTo?: string;
}

const program = new Command();
program.name("recflow").description("gRPC compute service for recommendations on NATS JetStream").showHelpAfterError().exitOverride();
let currentAddress: string | undefined;
program.hook("preAction", (_program, action) => {
  currentAddress = action.opts<{ address?: string }>().address;
});

const addressOption = (): Option => new Option("-a, --address <host:port>", "gateway address").env("RECFLOW_ADDRESS").default(DEFAULT_GRPC_ADDRESS);

function serverOptions(cmd: Command): Command {
  return cmd
    .option("--nats-url <url>", "NATS server URL(s), comma separated (env NATS_URL)")
    .option("--log-level <level>", "fatal|error|warn|info|debug|trace (env RECFLOW_LOG_LEVEL)")
    .option("--stream-replicas <n>", "replicas of streams and consumer (env RECFLOW_STREAM_REPLICAS)", int(1, 5))
    .option("--ack-wait-ms <ms>", "redelivery timeout without heartbeat (env RECFLOW_ACK_WAIT_MS)", int(500));
}

serverOptions(program.command("gateway").description("run a gRPC gateway"))
  .option("--grpc-address <host:port>", "listen address (env RECFLOW_GRPC_ADDRESS)")
  .action(async (o: RecflowOptions) => runGateway(o));

serverOptions(program.command("worker").description("run a compute worker"))
  .option("--threads <n>", "compute threads (env RECFLOW_THREADS)", int(1, 256))
  .action(async (o: RecflowOptions) => runWorker(o));

program.command("dev")
  .description("run the dev stack: local NATS (unless NATS_URL is set), a gateway and workers")
  .option("--nats-url <url>", "use this NATS instead of starting one (env NATS_URL)")
  .option("--grpc-address <host:port>", "gateway listen address", DEFAULT_GRPC_ADDRESS)
  .option("--workers <n>", "worker processes", int(1, 32), 2)
  .option("--threads <n>", "threads per worker", int(1, 256))
  .option("--store-dir <dir>", "nats-server store directory (default ~/.recflow/nats)")
  .option("--demo", "submit a demo task, stream its progress, then stop")
  .option("--ui [host:port]", `also serve the web dashboard (default ${DEFAULT_UI_ADDRESS})`)
  .action(async (o: { natsUrl?: string; grpcAddress: string; workers: number; threads?: number; storeDir?: string; demo?: boolean; ui?: string | boolean }) => {
    const { runDemo } = await import("./demo.js");
    process.exitCode = await runDev({
      natsUrl: o.natsUrl ?? process.env.NATS_URL, grpcAddress: o.grpcAddress, workers: o.workers, threads: o.threads, storeDir: o.storeDir,
      then: o.demo ? runDemo : undefined,
      ...(o.ui ? { uiAddress: o.ui === true ? DEFAULT_UI_ADDRESS : o.ui } : {}),
    });
  });

serverOptions(program.command("ui").description("serve the web dashboard: tasks live, dead letters, datasets, models, queue"))
  .addOption(addressOption())
  .option("--listen <host:port>", "dashboard listen address (env RECFLOW_UI_ADDRESS)", process.env.RECFLOW_UI_ADDRESS ?? DEFAULT_UI_ADDRESS)
  .option("--metrics-url <url>", "the gateway's Prometheus endpoint, for the queue chart (env RECFLOW_UI_METRICS_URL)", process.env.RECFLOW_UI_METRICS_URL)
  .action(async (o: UiCommandOptions) => {
    const { runUi } = await import("./ui.js");
    process.exitCode = await runUi(o);
  });

function submitOptions(cmd: Command): Command {
  return cmd
    .addOption(addressOption())
    .option("--max-retries <n>", "retries after the first attempt (default 3)", int(0, 1000))
    .option("--timeout <seconds>", "deadline, seconds from now", int(1))
    .option("--priority <n>", "scheduling hint", int(-1000, 1000))
    .option("--label <key=value>", "label (repeatable)", collect)
    .option("--request-id <id>", "idempotency key: the same id returns the same task")
    .option("-w, --watch", "stream progress until the task ends")
    .option("--json", "print events as JSON lines")
    .option("--count <n>", `submit n copies with BatchSubmitTasks (request ids <request-id>-<i>); --watch follows them on one stream`, int(1, MAX_COUNT));
}

const submitCmd = program.command("submit").description("submit a task (prints its id, or streams it with --watch)");

submitOptions(submitCmd.command("probe").description("synthetic work: sleep or compute for --work-ms"))
  .option("--work-ms <ms>", "work duration", int(0, 3_600_000), 1000)
  .option("--cpu", "busy-compute instead of sleeping")
  .option("--fail-attempts <n>", "fail this many first attempts", int(0, 1000), 0)
  .option("--permanent-error", "fail at once, without retries")
  .option("--crash-process", "exit the worker process (needs RECFLOW_ALLOW_FAULT_INJECTION=1 on workers)")
  .option("--crash-thread", "kill the worker thread running it (needs RECFLOW_ALLOW_FAULT_INJECTION=1 on workers)")
  .option("--progress-steps <n>", "progress events over the work", int(0, 1000), 10)
  .action(async (o: CommonSubmitFlags & { workMs: number; cpu?: boolean; failAttempts: number; permanentError?: boolean; crashProcess?: boolean; crashThread?: boolean; progressSteps: number }) => {
    const spec: TaskSpec = {
      probe: { workMs: o.workMs, cpu: Boolean(o.cpu), failAttempts: o.failAttempts, permanentError: Boolean(o.permanentError), crashProcess: Boolean(o.crashProcess), crashThread: Boolean(o.crashThread), progressSteps: o.progressSteps },
    };
    process.exitCode = await submit(buildSpec(spec, o), o);
  });

submitOptions(submitCmd.command("spec").description("submit any task kind from a TaskSpec in JSON (proto3 JSON field names)"))
  .argument("<json>", "e.g. '{\"recommend\":{\"modelId\":\"m1\",\"userIds\":[\"u1\"],\"k\":10}}'")
  .action(async (json: string, o: CommonSubmitFlags) => {
    process.exitCode = await submit(buildSpec(parseSpecJson(json), o), o);
  });

submitOptions(submitCmd.command("train").description("train a model on a dataset"))
  .requiredOption("--dataset <id>", "dataset id")
  .addOption(new Option("--algorithm <name>", "model type").choices(["als", "item_knn", "sequential_softmax", "popularity"]).default("als"))
  .option("--factors <n>", "latent factors of ALS or sequential_softmax (default 16)", int(1, 1024))
  .option("--iterations <n>", "ALS sweeps (default 15) or sequential_softmax L-BFGS iterations (default 60)", int(1, 1000))
  .option("--regularization <x>", "ALS λ (default 3) or sequential_softmax item regularisation (default 1)", float(0, 1e6))
  .option("--alpha <x>", "ALS confidence scale (default 1)", float(0, 1e6))
  .addOption(new Option("--scaling <kind>", "ALS confidence: log = 1 + α·log(1 + w), linear = 1 + α·w (default log)").choices(["log", "linear"]))
  .addOption(new Option("--order <order>", "sequential_softmax: read each history oldest-first or newest-first as the order of preference, or ignore the order (default: the validation split chooses)").choices(["oldest-first", "newest-first", "none"]))
  .option("--neighbors <n>", "kNN neighbours per item (default 200)", int(1, 10_000))
  .addOption(new Option("--weighting <kind>", "kNN weighting (default log-bm25)").choices(["log-bm25", "bm25", "log", "none"]))
  .option("--no-popularity-blend", "never blend popularity into the scores (default: the validation split decides)")
  .option("--evaluate", "hold out interactions and report ranking metrics next to popularity")
  .option("--eval-k <n>", "metric cut-off (default 10)", int(1, 1000))
  .option("--seed <n>", "random seed", int(0), 42)
  .option("--promote-to <alias>", "point this alias at the new model if it beats the alias's model on the holdout (implies --evaluate)")
  .action(async (o: CommonSubmitFlags & TrainFlags & { algorithm: string; evaluate?: boolean; popularityBlend: boolean }) => {
    const spec: TaskSpec = {
      trainModel: {
        datasetId: o.dataset, algorithm: ALGORITHMS[o.algorithm] as "ALGORITHM_ALS", evaluate: Boolean(o.evaluate), evalK: o.evalK ?? 0, seed: o.seed, promoteTo: o.promoteTo ?? "",
        als: { factors: o.factors ?? 0, iterations: o.iterations ?? 0, regularization: o.regularization ?? 0, alpha: o.alpha ?? 0, scaling: SCALINGS[o.scaling ?? ""] ?? "CONFIDENCE_SCALING_UNSPECIFIED" },
        knn: { neighbors: o.neighbors ?? 0, weighting: WEIGHTINGS[o.weighting ?? ""] ?? "KNN_WEIGHTING_UNSPECIFIED" },
        softmax: { factors: o.factors ?? 0, iterations: o.iterations ?? 0, itemRegularization: o.regularization ?? 0, order: ORDERS[o.order ?? ""] ?? "SOFTMAX_ORDER_UNSPECIFIED" },
        noPopularityBlend: !o.popularityBlend,
      },
    };
    process.exitCode = await submit(buildSpec(spec, o), o);
  });

submitOptions(submitCmd.command("tune").description("search ALS / item-kNN / sequential softmax / popularity parameters on a validation split, then train the best on all the data"))
  .requiredOption("--dataset <id>", "dataset id")
  .option("--trials <n>", "trials at most, the defaults and popularity included", int(1, 1000))
  .option("--budget <seconds>", "stop starting trials after this long", int(1, 6 * 3600))
  .option("--algorithms <list>", "comma-separated: als,item_knn,sequential_softmax,popularity (default all)", idList)
  .option("--eval-k <n>", "metric cut-off (default 10)", int(1, 1000))
  .option("--seed <n>", "random seed (a search bounded by --trials is deterministic for a seed)", int(0), 42)
  .option("--promote-to <alias>", "point this alias at the tuned model if it beats the alias's model on the holdout")
  .action(async (o: CommonSubmitFlags & { dataset: string; trials?: number; budget?: number; algorithms?: string[]; evalK?: number; seed: number; promoteTo?: string }) => {
    if (o.trials === undefined && o.budget === undefined) throw new UsageError("give a budget: --trials N, --budget SECONDS, or both");
    const algorithms = (o.algorithms ?? []).map((a) => {
      const proto = ALGORITHMS[a];
      if (!proto) throw new UsageError(`--algorithms: unknown algorithm "${a}"; choose from als, item_knn, sequential_softmax, popularity`);
      return proto as "ALGORITHM_ALS";
    });
    const spec: TaskSpec = {
      tuneModel: { datasetId: o.dataset, maxTrials: o.trials ?? 0, timeBudgetSeconds: o.budget ?? 0, evalK: o.evalK ?? 0, seed: o.seed, promoteTo: o.promoteTo ?? "", space: { algorithms } },
    };
    process.exitCode = await submit(buildSpec(spec, o), o);
  });

submitOptions(submitCmd.command("recommend").description("top-k items for users (results stream in chunks)"))
  .option("--model <id>", "model id")
  .option("--alias <name>", "the model this alias points to (instead of --model)")
  .option("--users <ids>", "comma-separated user ids", idList)
  .option("--all-users", "every user of the model")
  .option("--k <n>", "items per user", int(1, 100_000), 10)
  .option("--include-seen", "allow items the user already interacted with")
  .option("--allow <ids>", "only these items", idList)
  .option("--deny <ids>", "never these items", idList)
  .action(async (o: CommonSubmitFlags & { model?: string; alias?: string; users?: string[]; allUsers?: boolean; k: number; includeSeen?: boolean; allow?: string[]; deny?: string[] }) => {
    if (!o.users && !o.allUsers) throw new UsageError("give --users a,b,c or --all-users");
    const spec: TaskSpec = {
      recommend: { ...modelRef(o), userIds: o.users ?? [], allUsers: Boolean(o.allUsers), k: o.k, excludeSeen: !o.includeSeen, allowItems: o.allow ?? [], denyItems: o.deny ?? [] },
    };
    process.exitCode = await submit(buildSpec(spec, o), o);
  });

submitOptions(submitCmd.command("similar").description("the k most similar items for each item"))
  .option("--model <id>", "model id")
  .option("--alias <name>", "the model this alias points to (instead of --model)")
  .requiredOption("--items <ids>", "comma-separated item ids", idList)
  .option("--k <n>", "neighbours per item", int(1, 100_000), 10)
  .action(async (o: CommonSubmitFlags & { model?: string; alias?: string; items: string[]; k: number }) => {
    process.exitCode = await submit(buildSpec({ similarItems: { ...modelRef(o), itemIds: o.items, k: o.k } }, o), o);
  });

submitOptions(submitCmd.command("evaluate").description("ranking metrics of a model on a dataset, next to popularity"))
  .option("--model <id>", "model id")
  .option("--alias <name>", "the model this alias points to (instead of --model)")
  .requiredOption("--dataset <id>", "dataset id")
  .option("--k <n>", "metric cut-off", int(1, 100_000), 10)
  .action(async (o: CommonSubmitFlags & { model?: string; alias?: string; dataset: string; k: number }) => {
    process.exitCode = await submit(buildSpec({ evaluate: { ...modelRef(o), datasetId: o.dataset, k: o.k } }, o), o);
  });

const datasetCmd = program.command("dataset").description("datasets: generate, upload, get, list, delete");
datasetCmd.command("generate").description("write a synthetic CSV with planted tastes (power-law popularity, low-rank users)")
  .argument("<file>", "output file ('-' for stdout)")
  .option("--users <n>", "users", int(1, 10_000_000), 6000)
  .option("--items <n>", "items", int(1, 10_000_000), 4000)
  .option("--interactions <n>", "distinct interactions", int(1, 1_000_000_000), 1_000_000)
  .option("--seed <n>", "random seed", int(0), 42)
  .action(async (file: string, o: { users: number; items: number; interactions: number; seed: number }) => {
    const { generateInteractions, syntheticCsvChunks } = await import("../engine/index.js");
    const { createWriteStream } = await import("node:fs");
    const out = file === "-" ? process.stdout : createWriteStream(file);
    for (const chunk of syntheticCsvChunks(generateInteractions(o))) {
      if (!out.write(chunk)) await once(out, "drain");
    }
    if (out !== process.stdout) {
      out.end();
      await once(out, "finish");
      console.error(`wrote ${o.interactions} interactions to ${file}`);
    }
  });

datasetCmd.command("upload").description("upload a CSV/TSV file of user,item[,weight[,timestamp]] rows, or with a header line naming the columns (any order, e.g. userId,movieId,rating,timestamp)")
  .argument("<file>").addOption(addressOption())
  .option("--id <id>", "dataset id (default: a fresh one)")
  .option("--name <name>", "display name")
  .action(async (file: string, o: { address: string; id?: string; name?: string }) => {
    printDataset(await uploadFile(o.address, file, o));
  });
for (const action of ["get", "delete"] as const) {
  datasetCmd.command(action).argument("<dataset-id>").addOption(addressOption())
    .action(async (id: string, o: { address: string }) => {
      process.exitCode = await datasetCommand(o.address, action, id);
    });
}
datasetCmd.command("list").addOption(addressOption()).action(async (o: { address: string }) => {
  process.exitCode = await datasetCommand(o.address, "list");
});

const modelCmd = program.command("model").description("models: get, list, delete; aliases");
for (const action of ["get", "delete"] as const) {
  modelCmd.command(action).argument("<model-id>").addOption(addressOption())
    .action(async (id: string, o: { address: string }) => {
      process.exitCode = await modelCommand(o.address, action, id);
    });
}
modelCmd.command("list").addOption(addressOption()).action(async (o: { address: string }) => {
  process.exitCode = await modelCommand(o.address, "list");
});
const aliasCmd = modelCmd.command("alias").description("stable names for models: set (also to roll back), get, list, history");
aliasCmd.command("set").description("point an alias at a model (a rollback is setting it back)")
  .argument("<name>", "1-63 characters of a-z, 0-9, '-'").argument("<model-id>").addOption(addressOption())
  .option("--expected-revision <n>", "only if the alias is at this revision (0: only if it does not exist)", int(0))
  .action(async (name: string, modelId: string, o: { address: string; expectedRevision?: number }) => {
    process.exitCode = await aliasCommand(o.address, { action: "set", name, modelId, ...(o.expectedRevision === undefined ? {} : { expectedRevision: o.expectedRevision }) });
  });
for (const action of ["get", "history"] as const) {
  aliasCmd.command(action).argument("<name>").addOption(addressOption())
    .action(async (name: string, o: { address: string }) => {
      process.exitCode = await aliasCommand(o.address, { action, name });
    });
}
aliasCmd.command("list").addOption(addressOption()).action(async (o: { address: string }) => {
  process.exitCode = await aliasCommand(o.address, { action: "list" });
});

program.command("watch").description("stream a task's events until it ends, or (--selector) every matching task's until Ctrl-C")
  .argument("[task-id]")
  .addOption(addressOption())
  .option("--selector <k=v,...>", "watch all tasks whose labels match (k=v, k!=v, k, !k), including ones submitted later")
  .option("--after <sequence>", "resume after this event sequence", int(0), 0)
  .option("--json", "print events as JSON lines")
  .action(async (id: string | undefined, o: { address: string; after: number; json?: boolean; selector?: string }) => {
    if ((id === undefined) === (o.selector === undefined)) throw new UsageError("give a task id or --selector, not both");
    process.exitCode = o.selector !== undefined
      ? await watchSelector(o.address, o.selector, o.after, Boolean(o.json))
      : await watch(o.address, id ?? "", o.after, Boolean(o.json));
  });

program.command("get").description("show a task").argument("<task-id>").addOption(addressOption())
  .action(async (id: string, o: { address: string }) => {
    process.exitCode = await get(o.address, id);
  });

program.command("cancel").description("cancel a queued or running task").argument("<task-id>").addOption(addressOption())
  .option("--reason <text>", "recorded in the Cancelled event", "")
  .action(async (id: string, o: { address: string; reason: string }) => {
    process.exitCode = await cancel(o.address, id, o.reason);
  });

program.command("list").description("list tasks").addOption(addressOption())
  .addOption(new Option("--state <state>", "filter by state").choices(["queued", "running", "retrying", "succeeded", "failed", "cancelled"]))
  .addOption(new Option("--kind <kind>", "filter by kind").choices(["train_model", "recommend", "similar_items", "evaluate", "probe"]))
  .option("--page-size <n>", "tasks per page", int(1, 1000))
  .option("--page-token <token>", "from a previous page")
  .action(async (o: { address: string; state?: string; kind?: string; pageSize?: number; pageToken?: string }) => {
    process.exitCode = await list(o.address, o);
  });

const dlqCmd = program.command("dlq").description("dead letters: tasks that failed for good (talks to NATS directly, with the NATS_* settings)");
dlqCmd.command("list").description("list dead letters, oldest first")
  .option("--nats-url <url>", "NATS server URL(s) (env NATS_URL)")
  .option("--tenant <name>", "only this tenant's")
  .option("--limit <n>", "at most this many", int(1, 100_000), 100)
  .option("--after <seq>", "start after this dead-letter sequence", int(0), 0)
  .option("--json", "one JSON object per line")
  .action(async (o: RecflowOptions & { tenant?: string; limit: number; after: number; json?: boolean }) => {
    const { dlqList } = await import("./dlq.js");
    process.exitCode = await dlqList(o);
  });
dlqCmd.command("replay").description("re-submit dead-lettered tasks as new tasks (label replay-of=<old id>) and remove them from the DLQ")
  .argument("[seq...]", "dead-letter sequences from `recflow dlq list`")
  .option("--all", "every dead letter (of --tenant, if given)")
  .option("--tenant <name>", "only this tenant's")
  .option("--keep", "keep the dead letters after replaying")
  .option("--nats-url <url>", "NATS server URL(s) (env NATS_URL)")
  .action(async (seqs: string[], o: RecflowOptions & { all?: boolean; tenant?: string; keep?: boolean }) => {
    const { dlqReplay } = await import("./dlq.js");
    process.exitCode = await dlqReplay({ ...o, seqs: seqs.map((v) => int(1)(v)) });
  });

const tokenCmd = program.command("token").description("bearer tokens for RECFLOW_TENANTS_FILE");
tokenCmd.command("create").description("print a new random token (give it to the client) and its hash (put it in the tenants file)")
  .option("--tenant <name>", "tenant the token is for (prints a tenants-file entry)", "my-tenant")
  .action(async (o: { tenant: string }) => {
    const { newToken } = await import("../gateway/auth.js");
    const { token, hash } = newToken();
    console.log(`token: ${token}`);
    console.log(`hash:  ${hash}`);
    console.log(`entry: ${JSON.stringify({ [o.tenant]: { tokens: [hash] } })}`);
    console.error("the token is shown once and stored nowhere; the tenants file keeps only its hash");
  });
tokenCmd.command("hash").description("print the hash of a token read from stdin (one line)")
  .action(async () => {
    const { hashToken } = await import("../gateway/auth.js");
    const chunks: Buffer[] = [];
    for await (const c of process.stdin) chunks.push(c as Buffer);
    const token = Buffer.concat(chunks).toString("utf8").trim();
    if (token === "") throw new UsageError("no token on stdin: echo -n \"$TOKEN\" | recflow token hash");
    console.log(hashToken(token));
  });

try {
  await program.parseAsync(process.argv);
} catch (err) {
  // commander reports its own usage errors (already printed) through exitOverride.
  if (err instanceof CommanderError) process.exit(err.exitCode === 0 ? 0 : 2);
  const { message, exitCode } = describeError(err, currentAddress);
  console.error(message);
  process.exit(exitCode);
}
