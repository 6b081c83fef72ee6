// ModelsService's alias calls (SetModelAlias, GetModelAlias, ListModelAliases) and the submit-time
// check that a task's alias exists. Aliases live in the NATS KV store (nats/model-aliases.ts),
// scoped to the caller's tenant like models.
import type { ModelsServiceHandlers } from "../generated/recflow/v1/ModelsService.js";
import type { TaskSpec } from "../generated/recflow/v1/TaskSpec.js";
import { NotFoundError, ValidationError, type FieldViolation } from "../errors.js";
import { type ModelAliases, type ModelCatalog } from "../nats/index.js";
import type { Logger } from "../log.js";
import type { Authenticator } from "./auth.js";
import { page, unary } from "./resources-service.js";
import { validateAliasName, validateResourceId } from "./validation.js";

function violationsOf(check: () => unknown): FieldViolation[] {
  try {
    check();
    return [];
  } catch (err) {
    if (err instanceof ValidationError) return err.violations;
    throw err;
  }
}

type AliasHandlers = Pick<ModelsServiceHandlers, "SetModelAlias" | "GetModelAlias" | "ListModelAliases">;

export function modelAliasesService(deps: { aliases: ModelAliases; models: ModelCatalog; auth: Authenticator; log: Logger }): AliasHandlers {
  const { aliases, models, auth, log } = deps;
  return {
    SetModelAlias: unary(log, async (call) => {
      const tenant = auth.tenantOf(call.metadata);
      const r = call.request;
      // Both fields are checked before anything is read, so one reply names every bad field.
      const violations = [...violationsOf(() => validateAliasName("name", r.name)), ...violationsOf(() => validateResourceId("model_id", r.modelId))];
      if (violations.length > 0) throw new ValidationError(violations);
      // A model deleted after this check leaves a dangling alias; tasks then fail MODEL_NOT_FOUND.
      if (!(await models.exists(tenant, r.modelId))) throw new NotFoundError(`model_id: model ${r.modelId} not found`);
      return aliases.set(tenant, r.name, { modelId: r.modelId }, r.expectedRevision);
    }),
    GetModelAlias: unary(log, async (call) => {
      const tenant = auth.tenantOf(call.metadata);
      const name = validateAliasName("name", call.request.name);
      const alias = await aliases.get(tenant, name);
      if (!alias) throw new NotFoundError(`alias ${name} not found`);
      return alias;
    }),
    ListModelAliases: unary(log, async (call) => {
      const tenant = auth.tenantOf(call.metadata);
      const all = await aliases.list(tenant);
      const p = page(all.map((a) => a.name), call.request.pageSize, call.request.pageToken);
      const wanted = new Set(p.ids);
      return { aliases: all.filter((a) => wanted.has(a.name)), nextPageToken: p.nextPageToken };
    }),
  };
}

/** The alias field a task spec names, as clients see its path, or undefined. */
export function taskAlias(spec: TaskSpec): { field: string; name: string } | undefined {
  if (spec.recommend?.alias) return { field: "task.recommend.alias", name: spec.recommend.alias };
  if (spec.similarItems?.alias) return { field: "task.similar_items.alias", name: spec.similarItems.alias };
  if (spec.evaluate?.alias) return { field: "task.evaluate.alias", name: spec.evaluate.alias };
  return undefined;
}

/**
 * Submit-time check: a task naming an alias the tenant does not have is refused with
 * INVALID_ARGUMENT on that field, before anything is stored. (The worker still resolves the alias
 * when the task starts; that is the model used.)
 */
export async function assertTaskAliasExists(aliases: ModelAliases, tenant: string, spec: TaskSpec): Promise<void> {
  const a = taskAlias(spec);
  if (a && !(await aliases.get(tenant, a.name))) throw ValidationError.field(a.field, `alias ${a.name} does not exist`);
}
