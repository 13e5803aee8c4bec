import assert from "node:assert/strict";
import { test } from "node:test";
import { formatEndpoint } from "../../../src/cli/output/endpoint.js";

test("endpoints: address:port, and IPv6 in brackets so the port cannot be read as part of it", () => {
  assert.equal(formatEndpoint("10.0.0.1", 80, 4), "10.0.0.1:80");
  assert.equal(formatEndpoint("2001:db8::1", 443, 6), "[2001:db8::1]:443");
  assert.equal(formatEndpoint("::ffff:10.0.0.1", 22, 6), "[::ffff:10.0.0.1]:22");
});
