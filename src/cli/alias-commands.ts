// `recflow model alias set|get|list|history`: stable names for models, with compare-and-set and
// rollback (setting an alias back to an earlier model).
import { call, clientSecurityFromEnv, createModelsClient } from "../api/client.js";
import type { ModelAlias__Output } from "../generated/recflow/v1/ModelAlias.js";
import type { ListModelAliasesResponse__Output } from "../generated/recflow/v1/ListModelAliasesResponse.js";
import type { Timestamp__Output } from "../generated/google/protobuf/Timestamp.js";

export type AliasAction =
  | { action: "set"; name: string; modelId: string; expectedRevision?: number }
  | { action: "get"; name: string }
  | { action: "history"; name: string }
  | { action: "list" };

const iso = (t: Timestamp__Output | null): string => (t ? new Date(Number(t.seconds) * 1000 + Math.floor(t.nanos / 1e6)).toISOString() : "");

function printAlias(a: ModelAlias__Output): void {
  console.log(JSON.stringify({ name: a.name, model: a.modelId, revision: a.revision, updated: iso(a.updateTime), changes: a.history.length }, null, 2));
}

function printHistory(a: ModelAlias__Output): void {
  for (const h of a.history) {
    const by = h.taskId ? `promoted by ${h.taskId} (${h.metric} ${h.score.toFixed(4)} > ${h.previousScore.toFixed(4)})` : "set by a client";
    console.log(`${iso(h.setTime)}  ${h.previousModelId || "(new)"} -> ${h.modelId}  ${by}`);
  }
}

export async function aliasCommand(address: string, a: AliasAction): Promise<number> {
  const client = createModelsClient(address, {}, clientSecurityFromEnv());
  try {
    switch (a.action) {
      case "set": {
        const req = { name: a.name, modelId: a.modelId, ...(a.expectedRevision === undefined ? {} : { expectedRevision: a.expectedRevision }) };
        printAlias(await call<object, ModelAlias__Output>(client.SetModelAlias.bind(client), req, { deadlineMs: 10_000 }));
        break;
      }
      case "get":
        printAlias(await call<object, ModelAlias__Output>(client.GetModelAlias.bind(client), { name: a.name }, { deadlineMs: 10_000 }));
        break;
      case "history":
        printHistory(await call<object, ModelAlias__Output>(client.GetModelAlias.bind(client), { name: a.name }, { deadlineMs: 10_000 }));
        break;
      case "list": {
        const res = await call<object, ListModelAliasesResponse__Output>(client.ListModelAliases.bind(client), { pageSize: 1000 }, { deadlineMs: 30_000 });
        for (const x of res.aliases) console.log(`${x.name}  -> ${x.modelId}  revision=${x.revision} updated=${iso(x.updateTime)}`);
        break;
      }
    }
    return 0;
  } finally {
    client.close();
  }
}
