import assert from "node:assert/strict";
import { test } from "node:test";
import {
  contradictions,
  explain,
  keepaliveDetectionSeconds,
  retransmitTimeoutSeconds,
} from "../../src/tune/meaning.js";

const v = (o: Record<string, string>) => new Map(Object.entries(o));

test("tcp_retries2 15 gives up after ~924.6 s, 8 after ~102.2 s", () => {
  assert.equal(retransmitTimeoutSeconds(15), 924.6);
  assert.equal(retransmitTimeoutSeconds(8), 102.2);
  assert.match(explain("net.ipv4.tcp_retries2", v({ "net.ipv4.tcp_retries2": "15" })) ?? "", /~924\.6 s/);
});

test("keepalive detection is time + intvl × probes, in plain numbers", () => {
  const defaults = v({
    "net.ipv4.tcp_keepalive_time": "7200",
    "net.ipv4.tcp_keepalive_intvl": "75",
    "net.ipv4.tcp_keepalive_probes": "9",
  });
  assert.equal(keepaliveDetectionSeconds(defaults), 7875);
  assert.equal(
    explain("net.ipv4.tcp_keepalive_time", defaults),
    "a dead idle peer of a socket with keepalive is found after 7200 + 75 × 9 = 7875 s (2 h 11 min)",
  );
  const fast = v({
    "net.ipv4.tcp_keepalive_time": "60",
    "net.ipv4.tcp_keepalive_intvl": "10",
    "net.ipv4.tcp_keepalive_probes": "3",
  });
  assert.equal(keepaliveDetectionSeconds(fast), 90);
});

test("conntrack timeouts and port ranges are explained", () => {
  const values = v({
    "net.netfilter.nf_conntrack_tcp_timeout_established": "432000",
    "net.ipv4.ip_local_port_range": "32768 60999",
    "net.ipv4.tcp_orphan_retries": "0",
  });
  assert.equal(
    explain("net.netfilter.nf_conntrack_tcp_timeout_established", values),
    "conntrack forgets an idle established flow after 5 days",
  );
  assert.match(explain("net.ipv4.ip_local_port_range", values) ?? "", /^28232 ephemeral ports: about 470 /);
  assert.match(explain("net.ipv4.tcp_orphan_retries", values) ?? "", /0 means 8/);
  assert.equal(explain("net.ipv4.tcp_keepalive_time", values), undefined);
});

test("contradictions: keepalive over middlebox idle timeouts, conntrack shorter than keepalive", () => {
  const w = contradictions(
    v({ "net.ipv4.tcp_keepalive_time": "300", "net.netfilter.nf_conntrack_tcp_timeout_established": "120" }),
  );
  assert.equal(w.length, 2);
  assert.match(w[0] ?? "", /Azure Load Balancer \(default\) 240 s/);
  assert.doesNotMatch(w[0] ?? "", /AWS/);
  assert.match(w[1] ?? "", /before the first keepalive probe at 300 s/);
  assert.deepEqual(contradictions(v({ "net.ipv4.tcp_keepalive_time": "180" })), []);
});
