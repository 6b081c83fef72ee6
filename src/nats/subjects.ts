// Every stream, consumer, bucket and subject name recflow uses. Tenants are a subject token, so
// a tenant's tasks, events and signals live in its own part of the subject space.
export const TASKS_STREAM = "RECFLOW_TASKS";
export const EVENTS_STREAM = "RECFLOW_EVENTS";
export const DLQ_STREAM = "RECFLOW_DLQ";
export const WORKERS_CONSUMER = "workers";

export const TASKS_SUBJECTS = "recflow.tasks.>";
export const EVENTS_SUBJECTS = "recflow.events.>";
export const DLQ_SUBJECTS = "recflow.dlq.>";
export const CANCEL_SUBJECTS = "recflow.control.cancel.>";
export const MAX_DELIVERIES_ADVISORY = `$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.${TASKS_STREAM}.${WORKERS_CONSUMER}`;

const TOKEN = /^[A-Za-z0-9_-]{1,64}$/;

/** True when `value` can be one subject token (tenants, kinds, task ids). */
export function isSubjectToken(value: string): boolean {
  return TOKEN.test(value);
}

export const taskSubject = (tenant: string, kind: string): string => `recflow.tasks.${tenant}.${kind}`;
export const eventSubject = (tenant: string, taskId: string): string => `recflow.events.${tenant}.${taskId}`;
export const cancelSubject = (tenant: string, taskId: string): string => `recflow.control.cancel.${tenant}.${taskId}`;
export const dlqSubject = (tenant: string, kind: string): string => `recflow.dlq.${tenant}.${kind}`;

/** (tenant, taskId) of an event or cancel subject, or undefined for anything else. */
export function parseTaskSubject(subject: string): { tenant: string; taskId: string } | undefined {
  const parts = subject.split(".");
  if (parts[0] !== "recflow") return undefined;
  if (parts[1] === "events" && parts.length === 4) return { tenant: parts[2], taskId: parts[3] };
  if (parts[1] === "control" && parts[2] === "cancel" && parts.length === 5) return { tenant: parts[3], taskId: parts[4] };
  return undefined;
}
