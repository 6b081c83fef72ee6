// Incremental parser for interaction text: `user,item[,weight[,timestamp]]`, comma, tab or
// semicolon separated (detected on the first line), any string ids. Chunks may split lines and UTF-8
// characters anywhere; the parser holds at most the current partial line.
//
// A first line that names its columns is a header, and its names say which column is which
// (`item_id,user_id,rating`, `timestamp,user,item`, a table export with more columns): any order,
// other columns ignored. Without one, the columns are positional. A header that names some
// columns but no user or no item column is refused, naming what it found: read positionally it
// would swap or shift the ids without a word (a `item_id,user_id` export became items as users).
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

/** Column names a header may use for each field, compared lower-case with spaces and dashes as `_`. */
const COLUMN_NAMES = {
  user: ["user", "user_id", "userid", "uid", "users", "customer", "customer_id", "customerid", "visitor", "visitor_id", "visitorid", "member_id", "account_id"],
  item: ["item", "item_id", "itemid", "iid", "items", "product", "product_id", "productid", "sku", "movie", "movie_id", "movieid", "track_id", "song_id", "book_id", "isbn", "asin", "article_id", "content_id"],
  weight: ["weight", "rating", "ratings", "score", "value", "count", "clicks", "plays", "play_count", "playcount", "quantity", "qty", "strength", "confidence", "preference"],
  timestamp: ["timestamp", "ts", "time", "datetime", "date", "event_time", "created_at", "unix_timestamp", "unixtime"],
} as const;
type Column = keyof typeof COLUMN_NAMES;
const COLUMN_OF = new Map<string, Column>(Object.entries(COLUMN_NAMES).flatMap(([col, names]) => names.map((n) => [n, col as Column] as const)));

/** Where each field is in a row: by position without a header, by name with one. */
interface Layout {
  user: number;
  item: number;
  weight: number | undefined;
  timestamp: number | undefined;
  /** Fields a row may have (positional, or a header with the user and item first: at least 4; else the header's width). */
  maxFields: number;
  /** Fields a row must have to hold its user and item (a weight or timestamp column past its end reads as empty). */
  minFields: number;
}

const POSITIONAL: Layout = { user: 0, item: 1, weight: 2, timestamp: 3, maxFields: 4, minFields: 2 };

function columnOf(field: string): Column | undefined {
  return COLUMN_OF.get(field.trim().toLowerCase().replace(/[\s-]+/g, "_"));
}

/**
 * The layout a first line declares, or undefined when it is data. It is a header when its first
 * field names a user or item column, or when two of its fields name columns; then it must name
 * both the user and the item column, once each.
 */
function headerLayout(fields: string[], line: number): Layout | undefined {
  const cols = fields.map(columnOf);
  const named = cols.filter((c) => c !== undefined).length;
  if (!(cols[0] === "user" || cols[0] === "item" || named >= 2)) return undefined;
  const at: Partial<Record<Column, number>> = {};
  cols.forEach((c, i) => {
    if (c === undefined) return;
    if (at[c] !== undefined) throw new DatasetFormatError(line, `the header names two ${c} columns (${JSON.stringify(fields[at[c]].trim())} and ${JSON.stringify(fields[i].trim())}); keep one`);
    at[c] = i;
  });
  const shown = fields.map((f) => f.trim()).join(",").slice(0, 200);
  for (const c of ["user", "item"] as const) {
    if (at[c] === undefined) throw new DatasetFormatError(line, `the header (${shown}) names no ${c} column; call it one of ${COLUMN_NAMES[c].slice(0, 4).join(", ")}, or leave the header out and put the columns in the order user,item[,weight[,timestamp]]`);
  }
  // A header with the user and item first keeps the positional meaning of the columns it does
  // not name: the third is the weight and the fourth the timestamp unless named elsewhere, as
  // before headers were read (`user,item,stars` still weighs by stars), and rows may be longer
  // than the header (a client writes its header from its first row).
  const positional = at.user === 0 && at.item === 1;
  const weight = at.weight ?? (positional && cols[2] === undefined && at.timestamp !== 2 ? 2 : undefined);
  const timestamp = at.timestamp ?? (positional && weight === 2 && cols[3] === undefined ? 3 : undefined);
  return { user: at.user!, item: at.item!, weight, timestamp, maxFields: positional ? Math.max(fields.length, 4) : fields.length, minFields: Math.max(at.user!, at.item!) + 1 };
}

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
function parseWeight(raw: string, line: number, field: number): number {
  const shown = `weight (field ${field}) ${JSON.stringify(raw.slice(0, 40))}`;
  const w = Number(raw);
  if (Number.isNaN(w)) throw new DatasetFormatError(line, `${shown} is not a number${line === 1 ? "; if line 1 is a header, name the columns (user, item, weight, timestamp)" : ""}`);
  if (!Number.isFinite(w)) throw new DatasetFormatError(line, `${shown} is not finite; weights must be from 0 to ${MAX_WEIGHT}`);
  if (w < 0) throw new DatasetFormatError(line, `${shown} is negative; weights must be from 0 to ${MAX_WEIGHT}`);
  if (w > MAX_WEIGHT) throw new DatasetFormatError(line, `${shown} is above the largest accepted weight ${MAX_WEIGHT}; divide the column by a constant (ALS's alpha can absorb the scale)`);
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
  #layout: Layout = POSITIONAL;
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
      this.#delimiter = text.includes("\t") ? "\t" : !text.includes(",") && text.includes(";") ? ";" : ",";
      const header = headerLayout(splitFields(text, this.#delimiter, line), line);
      if (header) {
        this.#layout = header;
        return;
      }
    }
    const fields = splitFields(text, this.#delimiter, line);
    const layout = this.#layout;
    if (fields.length < 2) throw new DatasetFormatError(line, `expected user${this.#delimiter === "\t" ? "<TAB>" : ","}item[,weight[,timestamp]], got one field`);
    if (fields.length > layout.maxFields) throw new DatasetFormatError(line, layout === POSITIONAL ? `expected at most 4 fields (user, item, weight, timestamp), got ${fields.length}; a header line naming the columns lets a file have others` : `expected at most ${layout.maxFields} fields (the header's), got ${fields.length}`);
    if (fields.length < layout.minFields) throw new DatasetFormatError(line, `expected at least ${layout.minFields} fields (up to the header's user and item columns), got ${fields.length}`);
    const user = fields[layout.user].trim();
    const item = fields[layout.item].trim();
    if (user === "") throw new DatasetFormatError(line, "user id is empty");
    if (item === "") throw new DatasetFormatError(line, "item id is empty");
    if (user.length > this.#maxId) throw new DatasetFormatError(line, `user id longer than ${this.#maxId} characters`);
    if (item.length > this.#maxId) throw new DatasetFormatError(line, `item id longer than ${this.#maxId} characters`);
    let weight = 1;
    const rawWeight = layout.weight === undefined ? "" : (fields[layout.weight] ?? "").trim();
    if (rawWeight !== "") weight = parseWeight(rawWeight, line, layout.weight! + 1);
    let timestamp = Number.NaN;
    const rawTime = layout.timestamp === undefined ? "" : (fields[layout.timestamp] ?? "").trim();
    if (rawTime !== "") {
      timestamp = parseTimestamp(rawTime, line);
      this.#sawTimestamp = true;
    }
    if (this.#rows >= this.#maxRows) throw new DatasetLimitError(`dataset has more than ${this.#maxRows} rows`);
    this.#rows++;
    onRow({ user, item, weight, timestamp });
  }
}
