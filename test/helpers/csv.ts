// The CSV parser driven as the gateway's upload thread drives it, for unit tests: text in chunks,
// rows out, or the format error it stops at.
import { CsvParser, DatasetFormatError, type ParsedRow } from "../../src/engine/index.js";

/** Rows of `text`, fed in chunks of `chunkBytes` bytes (lines and characters split anywhere). */
export function parseCsv(text: string, chunkBytes = Number.POSITIVE_INFINITY): ParsedRow[] {
  const bytes = new TextEncoder().encode(text);
  const p = new CsvParser();
  const rows: ParsedRow[] = [];
  const step = Math.min(chunkBytes, Math.max(1, bytes.length));
  for (let i = 0; i < bytes.length; i += step) p.push(bytes.subarray(i, i + step), (r) => rows.push(r));
  p.end((r) => rows.push(r));
  return rows;
}

/** The DatasetFormatError `text` stops at; throws if it parses, or fails another way. */
export function csvFormatError(text: string): DatasetFormatError {
  try {
    parseCsv(text);
  } catch (err) {
    if (err instanceof DatasetFormatError) return err;
    throw err;
  }
  throw new Error(`no error for ${JSON.stringify(text)}`);
}
