// The CSV parser reads a header's column names: any order, other columns ignored, and a header
// that names no user or item column refused. Before, a header only told the parser to skip the
// line, so an `item_id,user_id,rating` export was read with its items as the users.
import { describe, expect, it } from "vitest";
import type { ParsedRow } from "../../src/engine/index.js";
import { csvFormatError, parseCsv as parse } from "../helpers/csv.js";

const refusal = (text: string): string => csvFormatError(text).message;

const row = (user: string, item: string, weight = 1, timestamp = Number.NaN): ParsedRow => ({ user, item, weight, timestamp });

describe("CSV headers", () => {
  it("maps the columns by name when the item column comes first", () => {
    expect(parse("item_id,user_id,rating\ni1,u1,5\ni2,u1,4\n")).toEqual([row("u1", "i1", 5), row("u1", "i2", 4)]);
  });

  it("reads MovieLens' ratings.csv header (camelCase ids, rating, epoch timestamp)", () => {
    expect(parse("userId,movieId,rating,timestamp\n1,31,2.5,1260759144\n")).toEqual([row("1", "31", 2.5, 1260759144)]);
  });

  it("ignores columns it does not know, in a wider table export (RetailRocket's events.csv)", () => {
    const text = "timestamp,visitorid,event,itemid,transactionid\n1433221332117,257597,view,355908,\n1433224214164,992329,addtocart,248676,4000\n";
    expect(parse(text)).toEqual([row("257597", "355908", 1, 1433221332.117), row("992329", "248676", 1, 1433224214.164)]);
  });

  it("reads a header after a UTF-8 byte order mark, with CRLF line ends (a spreadsheet's CSV export)", () => {
    expect(parse("\uFEFFItem ID,User ID,Rating\r\ni1,u1,5\r\n", 2)).toEqual([row("u1", "i1", 5)]);
  });

  it("takes spaces, dashes and case in names, tab and semicolon separators, and a split anywhere", () => {
    expect(parse("Rating\tItem ID\tUser-Id\n3\tb\ta\n", 3)).toEqual([row("a", "b", 3)]);
    expect(parse("product;customer_id;quantity\np1;c1;2\n", 5)).toEqual([row("c1", "p1", 2)]);
  });

  it("keeps files without a header positional, and the old user,item header working", () => {
    expect(parse("u1,i1,2\nu2,i2\n")).toEqual([row("u1", "i1", 2), row("u2", "i2")]);
    expect(parse("user,item\nu1,i1\n")).toEqual([row("u1", "i1")]);
    // A header with the user and item first leaves the columns it does not name positional, as
    // before (the Python client writes its header from its first row, which may be shorter).
    expect(parse("user,item\nu1,i1,5,1700000000\n")).toEqual([row("u1", "i1", 5, 1700000000)]);
    expect(parse("user_id,item_id,rating\nu1,i1,5,1700000000\n")).toEqual([row("u1", "i1", 5, 1700000000)]);
    expect(parse("user,item,stars,when\nu1,i1,4,1700000000\n")).toEqual([row("u1", "i1", 4, 1700000000)]);
    expect(parse("user,item,ts,rating\nu1,i1,1700000000,4\n")).toEqual([row("u1", "i1", 4, 1700000000)]);
    expect(refusal("item,user\ni1,u1,5\n")).toMatch(/^line 2: expected at most 2 fields \(the header's\), got 3$/);
    expect(parse("u1;i1;2\n")).toEqual([row("u1", "i1", 2)]);
  });

  it("refuses a header with no user or no item column, naming it and how to fix it", () => {
    expect(refusal("session,item,rating\ns1,i1,1\n")).toMatch(/^line 1: the header \(session,item,rating\) names no user column; call it one of user, user_id, userid, uid, or leave the header out/);
    expect(refusal("user_id,rating\nu1,5\n")).toMatch(/^line 1: the header \(user_id,rating\) names no item column/);
    expect(refusal("user,item_id,sku\nu,a,b\n")).toMatch(/^line 1: the header names two item columns \("item_id" and "sku"\)/);
  });

  it("refuses a row that lacks a named column, or has more fields than the header", () => {
    expect(refusal("rating,item,user\n1,i1\n")).toMatch(/^line 2: expected at least 3 fields \(up to the header's user and item columns\), got 2/);
    // A weight or timestamp column past a row's end reads as empty, as without a header.
    expect(parse("user,item,weight,timestamp\nu1,i1\nu2,i2,3\n")).toEqual([row("u1", "i1"), row("u2", "i2", 3)]);
    expect(parse("timestamp,item,user,rating\n5,i1,u1\n")).toEqual([row("u1", "i1", 1, 5)]);
    expect(refusal("user,item,weight,timestamp,source\nu,i,1,2,web,extra\n")).toMatch(/^line 2: expected at most 5 fields \(the header's\), got 6/);
  });

  it("says a first line that fails as data may be an unnamed header", () => {
    expect(refusal("u,i,r\na,b,1\n")).toMatch(/^line 1: weight \(field 3\) "r" is not a number; if line 1 is a header, name the columns/);
    expect(refusal("item,user,score\ni,u,abc\n")).toMatch(/^line 2: weight \(field 3\) "abc" is not a number$/);
  });
});
