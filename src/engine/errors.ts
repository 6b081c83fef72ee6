// The engine's typed errors. The task runner treats all of them as permanent (not retried),
// except AbortedError, which means "stopped on request".
export class DatasetFormatError extends Error {
  override name = "DatasetFormatError";
  readonly line: number;
  constructor(line: number, message: string, options?: { cause?: unknown }) {
    super(`line ${line}: ${message}`, options);
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

/** Cooperative cancellation: anything with an `aborted` flag (AbortSignal or a shared-memory flag). */
export interface AbortFlag {
  readonly aborted: boolean;
}

export function throwIfAborted(signal: AbortFlag | undefined): void {
  if (signal?.aborted) throw new AbortedError("aborted");
}
