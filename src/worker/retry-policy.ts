// Exponential back-off with jitter for retryable task failures (Celery's retry countdown,
// BullMQ's "exponential" backoff). "Equal jitter": half the delay is fixed, half random, so
// retries of many tasks failing together spread out without ever retrying at once.
export interface RetryPolicy {
  baseMs: number;
  maxMs: number;
}

/** Delay before attempt `attempt + 1`, after attempt `attempt` (1-based) failed. */
export function backoffMs(policy: RetryPolicy, attempt: number, random: () => number = Math.random): number {
  const exp = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(exp / 2 + random() * (exp / 2));
}
