// `npm run bench [-- name… ] [--scale 0.1]`: runs the named workloads (default: all), prints a
// table, and writes bench/results/<name>-<date>.json with the machine and the config.
import { mkdirSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Command, InvalidArgumentError } from "commander";
import { machine } from "./common.js";
import { WORKLOADS, type WorkloadResult } from "./workloads.js";

const RESULTS_DIR = fileURLToPath(new URL("../../bench/results/", import.meta.url));

function scaleArg(v: string): number {
  const x = Number(v);
  if (!(x > 0 && x <= 10)) throw new InvalidArgumentError("expected a number in (0, 10]");
  return x;
}

function print(r: WorkloadResult): void {
  console.log(`\n${r.title}`);
  for (const [k, v] of Object.entries(r.metrics)) console.log(`  ${k.padEnd(36)} ${Number.isInteger(v) ? v : v.toFixed(3)}`);
  for (const c of r.checks) console.log(`  ${c.ok ? "PASS" : "MISS"}  ${c.target.padEnd(60)} ${c.measured}`);
  for (const note of r.notes) console.log(`  note: ${note}`);
}

async function main(): Promise<number> {
  const program = new Command("recflow-bench")
    .argument("[workloads...]", `any of: ${WORKLOADS.map((w) => w.name).join(", ")} (default: all)`)
    .option("--scale <x>", "multiply every count by x (e.g. 0.1 for a quick run)", scaleArg, 1)
    .showHelpAfterError();
  program.parse(process.argv);
  const names = program.args.length ? program.args : WORKLOADS.map((w) => w.name);
  const unknown = names.filter((nm) => !WORKLOADS.some((w) => w.name === nm));
  if (unknown.length) {
    console.error(`unknown workload(s): ${unknown.join(", ")}; choose from ${WORKLOADS.map((w) => w.name).join(", ")}`);
    return 2;
  }
  const { scale } = program.opts<{ scale: number }>();
  const env = machine();
  console.log(`recflow bench on ${String(env.cpus)} × ${String(env.cpuModel)}, Node ${String(env.node)}, ${String(env.natsServer)}, scale ${scale}`);
  mkdirSync(RESULTS_DIR, { recursive: true });
  const date = new Date().toISOString().replace(/[:.]/g, "-");
  let missed = 0;
  for (const w of WORKLOADS.filter((x) => names.includes(x.name))) {
    const started = Date.now();
    const r = await w.run(scale);
    print(r);
    missed += r.checks.filter((c) => !c.ok).length;
    const file = `${RESULTS_DIR}${w.name}-${date}.json`;
    writeFileSync(file, `${JSON.stringify({ ...r, scale, machine: env, startedAt: new Date(started).toISOString(), seconds: (Date.now() - started) / 1000 }, null, 2)}\n`);
    console.log(`  → ${file}`);
  }
  console.log(`\n${missed === 0 ? "all targets met" : `${missed} target(s) missed`}`);
  return 0;
}

main().then((code) => process.exit(code), (err: unknown) => {
  console.error(`bench failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
