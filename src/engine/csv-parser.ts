// Incremental parser for interaction text: `user,item[,weight[,timestamp]]`, comma or tab
// separated (detected on the first line), optional header, any string ids. Chunks may split
// lines and UTF-8 characters anywhere; the parser holds at most the current partial line.
import { MAX_WEIGHT } from "./dataset.js";
import { DatasetFormatError, DatasetLimitError } from "./errors.js";

export interface ParsedRow {
  user: string;
  item: string;
  weight: number;
  /** Seconds since the epoch, or NaN when the row has none. */
  timestamp: number;
}

export interface CsvParserOptions {
  /** Most data rows accepted. @default unlimited */
  maxRows?: number;
  /** Longest line in bytes (UTF-16 units, close enough for the bound). @default 65536 */
  maxLineLength?: number;
  /** Longest user or item id. @default 256 */
  maxIdLength?: number;
}

const HEADER_WORDS = new Set(["user", "user_id", "userid", "uid", "item", "item_id", "itemid", "iid"]);

function parseTimestamp(raw: string, line: number): number {
  if (/^-?\d+(\.\d+)?$/.test(raw)) {
    const n = Number(raw);
    // Values this large are milliseconds (after 2001-09 in ms, or year 33658 in seconds).
    return Math.abs(n) >= 1e12 ? n / 1000 : n;
  }
  const ms = Date.parse(raw);
  if (Number.isNaN(ms)) throw new DatasetFormatError(line, `timestamp ${JSON.stringify(raw.slice(0, 40))} is neither epoch seconds/ms nor ISO-8601`);
  return ms / 1000;
}

/**
 * The weight field (the third): a number from 0 to MAX_WEIGHT. NaN, ±Infinity and values that
 * overflow a double ("1e400") are refused by name; so is anything above the bound, which also
 * covers values a float32 cannot hold (from 3.4e38), since weights are stored as float32.
 */
function parseWeight(raw: string, line: number): number {
  const shown = JSON.stringify(raw.slice(0, 40));
  const w = Number(raw);
  if (Number.isNaN(w)) throw new DatasetFormatError(line, `weight (field 3) ${shown} is not a number`);
  if (!Number.isFinite(w)) throw new DatasetFormatError(line, `weight (field 3) ${shown} is not finite; weights must be from 0 to ${MAX_WEIGHT}`);
  if (w < 0) throw new DatasetFormatError(line, `weight (field 3) ${shown} is negative; weights must be from 0 to ${MAX_WEIGHT}`);
  if (w > MAX_WEIGHT) throw new DatasetFormatError(line, `weight (field 3) ${shown} is above the largest accepted weight ${MAX_WEIGHT}; divide the column by a constant (ALS's alpha can absorb the scale)`);
  return w;
}

/** Splits one line into fields, honouring "quoted" fields with "" escapes. */
function splitFields(text: string, delimiter: string, line: number): string[] {
  if (!text.includes('"')) return text.split(delimiter);
  const out: string[] = [];
  let i = 0;
  while (i <= text.length) {
    if (text[i] === '"') {
      let value = "";
      i++;
      for (;;) {
        if (i >= text.length) throw new DatasetFormatError(line, "unterminated quoted field");
        if (text[i] === '"') {
          if (text[i + 1] === '"') {
            value += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        value += text[i++];
      }
      if (i < text.length && text[i] !== delimiter) throw new DatasetFormatError(line, "unexpected text after a closing quote");
      out.push(value);
      i++;
    } else {
      const end = text.indexOf(delimiter, i);
      const stop = end === -1 ? text.length : end;
      out.push(text.slice(i, stop));
      i = stop + 1;
    }
  }
  return out;
}

export class CsvParser {
  readonly #decoder = new TextDecoder("utf-8", { fatal: true });
  readonly #maxRows: number;
  readonly #maxLine: number;
  readonly #maxId: number;
  #partial = "";
  #line = 0;
  #rows = 0;
  #delimiter: string | undefined;
  #sawTimestamp = false;

  constructor(opts: CsvParserOptions = {}) {
    this.#maxRows = opts.maxRows ?? Number.POSITIVE_INFINITY;
    this.#maxLine = opts.maxLineLength ?? 65_536;
    this.#maxId = opts.maxIdLength ?? 256;
  }

  get rows(): number {
    return this.#rows;
  }

  get hasTimestamps(): boolean {
    return this.#sawTimestamp;
  }

  /** Feeds a chunk; calls `onRow` for every complete line in it. */
  push(chunk: Uint8Array, onRow: (row: ParsedRow) => void): void {
    let text: string;
    try {
      text = this.#decoder.decode(chunk, { stream: true });
    } catch (err) {
      throw new DatasetFormatError(this.#line + 1, "text is not valid UTF-8", { cause: err });
    }
    this.#consume(text, onRow);
  }

  /** Ends the input; the last line may lack a newline. */
  end(onRow: (row: ParsedRow) => void): void {
    let tail: string;
    try {
      tail = this.#decoder.decode();
    } catch (err) {
      throw new DatasetFormatError(this.#line + 1, "text ends inside a UTF-8 character", { cause: err });
    }
    this.#consume(tail, onRow);
    if (this.#partial.length > 0) {
      const last = this.#partial;
      this.#partial = "";
      this.#handleLine(last, onRow);
    }
  }

  #consume(text: string, onRow: (row: ParsedRow) => void): void {
    let start = 0;
    for (;;) {
      const nl = text.indexOf("\n", start);
      if (nl === -1) break;
      const piece = text.slice(start, nl);
      const line = this.#partial.length > 0 ? this.#partial + piece : piece;
      this.#partial = "";
      this.#handleLine(line, onRow);
      start = nl + 1;
    }
    this.#partial += text.slice(start);
    if (this.#partial.length > this.#maxLine) throw new DatasetFormatError(this.#line + 1, `line longer than ${this.#maxLine} characters`);
  }

  #handleLine(raw: string, onRow: (row: ParsedRow) => void): void {
    this.#line++;
    const line = this.#line;
    const text = raw.endsWith("\r") ? raw.slice(0, -1) : raw;
    if (text.length > this.#maxLine) throw new DatasetFormatError(line, `line longer than ${this.#maxLine} characters`);
    if (text.trim() === "") return;
    if (this.#delimiter === undefined) {
      this.#delimiter = text.includes("\t") ? "\t" : ",";
      const first = splitFields(text, this.#delimiter, line).map((f) => f.trim().toLowerCase());
      if (HEADER_WORDS.has(first[0]) || (first.length >= 3 && first[2] !== "" && Number.isNaN(Number(first[2])) && HEADER_WORDS.has(first[1]))) return;
    }
    const fields = splitFields(text, this.#delimiter, line);
    if (fields.length < 2) throw new DatasetFormatError(line, `expected user${this.#delimiter === "\t" ? "<TAB>" : ","}item[,weight[,timestamp]], got one field`);
    if (fields.length > 4) throw new DatasetFormatError(line, `expected at most 4 fields (user, item, weight, timestamp), got ${fields.length}`);
    const user = fields[0].trim();
    const item = fields[1].trim();
    if (user === "") throw new DatasetFormatError(line, "user id is empty");
    if (item === "") throw new DatasetFormatError(line, "item id is empty");
    if (user.length > this.#maxId) throw new DatasetFormatError(line, `user id longer than ${this.#maxId} characters`);
    if (item.length > this.#maxId) throw new DatasetFormatError(line, `item id longer than ${this.#maxId} characters`);
    let weight = 1;
    if (fields.length >= 3 && fields[2].trim() !== "") weight = parseWeight(fields[2].trim(), line);
    let timestamp = Number.NaN;
    if (fields.length === 4 && fields[3].trim() !== "") {
      timestamp = parseTimestamp(fields[3].trim(), line);
      this.#sawTimestamp = true;
    }
    if (this.#rows >= this.#maxRows) throw new DatasetLimitError(`dataset has more than ${this.#maxRows} rows`);
    this.#rows++;
    onRow({ user, item, weight, timestamp });
  }
}
