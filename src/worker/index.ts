// Compute workers: pull tasks from JetStream and run them on worker_threads.
export { Worker, type WorkerOptions } from "./worker.js";
export { WorkerPool, type WorkerPoolOptions } from "./worker-pool.js";
export { backoffMs, type RetryPolicy } from "./retry-policy.js";
