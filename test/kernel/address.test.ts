import assert from "node:assert/strict";
import { test } from "node:test";
import { cidrContains, formatIPv4, formatIPv6, parseAddress, parseCidr } from "../../src/kernel/address.js";

test("IPv6 addresses format in RFC 5952 form", () => {
  const cases: [string, string][] = [
    ["::1", "::1"],
    ["::", "::"],
    ["2001:0db8:0000:0000:0000:ff00:0042:8329", "2001:db8::ff00:42:8329"],
    ["1:0:0:2:0:0:0:3", "1:0:0:2::3"],
    ["1:0:2:3:4:5:6:7", "1:0:2:3:4:5:6:7"],
    ["::ffff:10.1.2.3", "::ffff:10.1.2.3"],
    ["64:ff9b::1.2.3.4", "64:ff9b::102:304"],
  ];
  for (const [input, out] of cases) assert.equal(formatIPv6(parseAddress(input).bytes, 0), out, input);
});

test("IPv4 addresses round-trip", () => {
  assert.equal(formatIPv4(parseAddress("192.168.10.254").bytes, 0), "192.168.10.254");
});

test("CIDRs: prefixes, bare addresses, v4-mapped and bad input", () => {
  assert.ok(cidrContains(parseCidr("10.0.0.0/8"), parseAddress("10.200.1.1").bytes, 4));
  assert.ok(!cidrContains(parseCidr("10.0.0.0/9"), parseAddress("10.200.1.1").bytes, 4));
  assert.ok(cidrContains(parseCidr("10.0.0.0/8"), parseAddress("::ffff:10.2.3.4").bytes, 6));
  assert.ok(!cidrContains(parseCidr("2001:db8::/32"), parseAddress("10.2.3.4").bytes, 4));
  assert.ok(cidrContains(parseCidr("127.0.0.1"), parseAddress("127.0.0.1").bytes, 4));
  assert.ok(cidrContains(parseCidr("0.0.0.0/0"), parseAddress("8.8.8.8").bytes, 4));
  assert.throws(() => parseCidr("10.0.0.0/33"), /prefix must be 0..32/);
  assert.throws(() => parseCidr("10.0.0/8"), /not an IPv4 or IPv6 address/);
  assert.throws(() => parseCidr("::1/x"), /prefix/);
});
