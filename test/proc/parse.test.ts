import assert from "node:assert/strict";
import { test } from "node:test";
import {
  parseComm,
  parseDecimalName,
  parseFileNr,
  parseIntegers,
  parseOpenFilesLimit,
  parseProcCgroup,
  parseSocketLink,
} from "../../src/proc/parse.js";

const LIMITS = `Limit                     Soft Limit           Hard Limit           Units     
Max cpu time              unlimited            unlimited            seconds   
Max file size             unlimited            unlimited            bytes     
Max processes             95524                95524                processes 
Max open files            1024                 524288               files     
Max locked memory         8388608              8388608              bytes     
Max realtime timeout      unlimited            unlimited            us        
`;

test("parseSocketLink takes the inode out of socket:[N] and nothing else", () => {
  const link = (text: string) => parseSocketLink(Buffer.from(text));
  assert.equal(link("socket:[123456]"), 123456);
  assert.equal(link("socket:[4026531840]"), 4026531840);
  assert.equal(link("pipe:[123]"), undefined);
  assert.equal(link("anon_inode:[eventpoll]"), undefined);
  assert.equal(link("/dev/null"), undefined);
  assert.equal(link("socket:[]"), undefined);
  assert.equal(link("socket:[12a]"), undefined);
  assert.equal(link("socket:[123"), undefined);
  assert.equal(link("/tmp/socket:[123]"), undefined);
  const buf = Buffer.from("socket:[77]socket:[88]");
  assert.equal(parseSocketLink(buf, 11), 77, "only the first len bytes");
  assert.equal(parseSocketLink(buf, 100), undefined);
});

test("parseDecimalName accepts pid and fd names only", () => {
  assert.equal(parseDecimalName("0"), 0);
  assert.equal(parseDecimalName("4242"), 4242);
  assert.equal(parseDecimalName("self"), -1);
  assert.equal(parseDecimalName(""), -1);
  assert.equal(parseDecimalName("12x"), -1);
});

test("parseComm drops the newline", () => {
  assert.equal(parseComm("node\n"), "node");
  assert.equal(parseComm("kworker/0:1-events\n"), "kworker/0:1-events");
  assert.equal(parseComm("nginx"), "nginx");
});

test("parseOpenFilesLimit reads the Max open files row", () => {
  assert.deepEqual(parseOpenFilesLimit(LIMITS), { soft: 1024, hard: 524288 });
  const unlimited = LIMITS.replace("1024                 524288", "unlimited            unlimited");
  assert.deepEqual(parseOpenFilesLimit(unlimited), { soft: Infinity, hard: Infinity });
  assert.equal(parseOpenFilesLimit("Limit Soft Hard\nMax cpu time unlimited unlimited seconds\n"), undefined);
  assert.equal(parseOpenFilesLimit("Max open files   lots   524288   files\n"), undefined);
});

test("parseFileNr reads allocated, free and max", () => {
  assert.deepEqual(parseFileNr("413\t0\t2466183\n"), { allocated: 413, free: 0, max: 2466183 });
  // LONG_MAX on hosts without a limit: kept as the nearest double.
  assert.equal(parseFileNr("1\t0\t9223372036854775807\n")?.max, 2 ** 63);
  assert.equal(parseFileNr("413\t0\n"), undefined);
  assert.equal(parseFileNr(""), undefined);
});

test("parseIntegers reads sysctl tuples", () => {
  assert.deepEqual(parseIntegers("32768\t60999\n"), [32768, 60999]);
  assert.deepEqual(parseIntegers("7200\n"), [7200]);
  assert.deepEqual(parseIntegers("-1\n"), [-1]);
  assert.equal(parseIntegers("bbr\n"), undefined);
  assert.equal(parseIntegers("\n"), undefined);
});

test("parseProcCgroup picks the v2 line", () => {
  const hybrid = "9:name=systemd:/\n4:memory:/process_api/7df3\n0::/system.slice/nginx.service\n";
  assert.equal(parseProcCgroup(hybrid), "/system.slice/nginx.service");
  assert.equal(parseProcCgroup("0::/\n"), "/");
  assert.equal(parseProcCgroup("0::/user.slice/gone.scope (deleted)\n"), "/user.slice/gone.scope");
  assert.equal(parseProcCgroup("4:memory:/x\n"), undefined);
});
