// The engine's typed errors. The task runner treats all of them as permanent (not retried),
// except AbortedError, which means "stopped on request".
export class DatasetFormatError extends Error {
  override name = "DatasetFormatError";
  /** The offending line, 1-based; undefined when the problem spans rows (summed duplicates). */
  readonly line: number | undefined;
  constructor(line: number | undefined, message: string, options?: { cause?: unknown }) {
    super(line === undefined ? message : `line ${line}: ${message}`, options);
    this.line = line;
  }
}

export class DatasetLimitError extends Error {
  override name = "DatasetLimitError";
}

export class CorruptDataError extends Error {
  override name = "CorruptDataError";
}

export class UnsupportedVersionError extends Error {
  override name = "UnsupportedVersionError";
}

export class AbortedError extends Error {
  override name = "AbortedError";
}

export class InvalidParamsError extends Error {
  override name = "InvalidParamsError";
}

/**
 * A training whose loss or factors stopped being finite numbers (NaN or ±Infinity): the model
 * would score every item NaN and recommend nothing, so it must not be stored. Retrying gives the
 * same numbers (training is deterministic); the caller has to change the data or the parameters.
 */
export class NumericOverflowError extends Error {
  override name = "NumericOverflowError";
}

/** Cooperative cancellation: anything with an `aborted` flag (AbortSignal or a shared-memory flag). */
export interface AbortFlag {
  readonly aborted: boolean;
}

export function throwIfAborted(signal: AbortFlag | undefined): void {
  if (signal?.aborted) throw new AbortedError("aborted");
}
