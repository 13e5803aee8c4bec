// The probe journal's parser: what a killed probe left behind is checked field by field before any
// option is written from it, and a wrong field is named.
import assert from "node:assert/strict";
import { test } from "node:test";
import { parseJournal } from "../../src/probe/probe-journal-schema.js";

const before = { enabled: false, idleS: 7200, intervalS: 75, count: 9, userTimeoutMs: 0 };
const entry = { netns: "current", pid: 42, fd: 7, inode: 123456, before };
const doc = (over: Record<string, unknown> = {}) =>
  JSON.stringify({ version: 1, pid: 9, entries: [entry], ...over });

test("journal: a journal as the probe writes it parses to its entries", () => {
  assert.deepEqual(parseJournal(doc()), [entry]);
  assert.deepEqual(parseJournal(doc({ entries: [] })), []);
});

test("journal: a wrong or missing field is refused and named", () => {
  const cases: [string, RegExp][] = [
    ["", /JSON/],
    ["[]", /^version/],
    ["null", /^version/],
    [doc({ version: 2 }), /^version/],
    [doc({ pid: -1 }), /^pid/],
    [doc({ entries: {} }), /^entries/],
    [doc({ entries: [null] }), /^entries\[0\]: expected an object/],
    [doc({ entries: [{ ...entry, fd: 1.5 }] }), /^entries\[0\]\.fd/],
    [doc({ entries: [{ ...entry, pid: 2 ** 31 }] }), /^entries\[0\]\.pid/],
    [doc({ entries: [{ ...entry, inode: "1" }] }), /^entries\[0\]\.inode/],
    [doc({ entries: [{ ...entry, netns: "x".repeat(4097) }] }), /^entries\[0\]\.netns/],
    [
      doc({ entries: [entry, { ...entry, before: { ...before, enabled: 1 } }] }),
      /^entries\[1\]\.before\.enabled/,
    ],
    [doc({ entries: [{ ...entry, before: { ...before, count: null } }] }), /^entries\[0\]\.before\.count/],
    [doc({ entries: [{ ...entry, before: undefined }] }), /^entries\[0\]\.before/],
  ];
  for (const [text, message] of cases)
    assert.throws(() => parseJournal(text), { message }, text.slice(0, 80));
});
