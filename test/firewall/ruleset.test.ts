import assert from "node:assert/strict";
import { test } from "node:test";
import { IdlereapError } from "../../src/errors.js";
import { parseConntrackList, updateArgs } from "../../src/firewall/conntrack.js";
import { applyFirewall } from "../../src/firewall/firewall.js";
import { parseTableJson, renderTable, replaceScript } from "../../src/firewall/ruleset.js";

test("the table sets a ct timeout per port and family in prerouting and output", () => {
  const text = renderTable([{ port: 8080, established: 60, closeWait: 10 }]);
  assert.match(text, /^table inet idlereap \{\n/);
  assert.match(
    text,
    /ct timeout port-8080 \{ protocol tcp; l3proto ip; policy = \{ established: 60, close_wait: 10 \}; \}/,
  );
  assert.match(text, /ct timeout port-8080-v6 \{ protocol tcp; l3proto ip6;/);
  assert.match(
    text,
    /chain pre \{\n\t\ttype filter hook prerouting priority filter; policy accept;\n\t\tmeta nfproto ipv4 tcp dport 8080 ct timeout set "port-8080"/,
  );
  assert.match(text, /chain out \{\n\t\ttype filter hook output priority filter;/);
  // Replaced in one transaction; only idlereap's table is ever named.
  const script = replaceScript([{ port: 1, established: 2, closeWait: 3 }]);
  assert.deepEqual(
    [...script.matchAll(/table (\w+) (\w+)/g)].map((m) => `${m[1]} ${m[2]}`),
    ["inet idlereap", "inet idlereap", "inet idlereap"],
  );
});

test("installed ports are read back from nft's JSON", () => {
  const json = JSON.stringify({
    nftables: [
      { metainfo: { version: "1.0.6" } },
      { table: { family: "inet", name: "idlereap", handle: 1 } },
      {
        "ct timeout": {
          family: "inet",
          name: "port-8080",
          table: "idlereap",
          protocol: "tcp",
          l3proto: "ip",
          policy: { established: 60, close_wait: 10 },
        },
      },
      {
        "ct timeout": {
          family: "inet",
          name: "port-8080-v6",
          table: "idlereap",
          protocol: "tcp",
          l3proto: "ip6",
          policy: { established: 60 },
        },
      },
      {
        "ct timeout": {
          family: "inet",
          name: "port-22",
          table: "idlereap",
          protocol: "tcp",
          l3proto: "ip",
          policy: { established: 30 },
        },
      },
    ],
  });
  assert.deepEqual(parseTableJson(json), [
    { port: 22, established: 30, closeWait: 60 },
    { port: 8080, established: 60, closeWait: 10 },
  ]);
});

test("conntrack -L lines are parsed, and an update names one flow exactly", () => {
  const text =
    "tcp      6 431999 ESTABLISHED src=127.0.0.1 dst=127.0.0.1 sport=60778 dport=8080 src=127.0.0.1 dst=127.0.0.1 sport=8080 dport=60778 [ASSURED] mark=0 use=1\n" +
    "tcp      6 55 CLOSE_WAIT src=10.0.0.1 dst=10.0.0.2 sport=1234 dport=8080 src=10.0.0.2 dst=10.0.0.1 sport=8080 dport=1234 [ASSURED] mark=0 use=1\n" +
    "udp      17 20 src=1.1.1.1 dst=2.2.2.2 sport=53 dport=53 [UNREPLIED]\n";
  const flows = parseConntrackList(text);
  assert.equal(flows.length, 2);
  assert.deepEqual(flows[1], {
    family: "ipv4",
    timeout: 55,
    state: "CLOSE_WAIT",
    src: "10.0.0.1",
    dst: "10.0.0.2",
    sport: 1234,
    dport: 8080,
  });
  assert.deepEqual(
    updateArgs(flows[0] as (typeof flows)[0], 60).join(" "),
    "-U -f ipv4 -p tcp -s 127.0.0.1 -d 127.0.0.1 --sport 60778 --dport 8080 --timeout 60",
  );
});

test("a missing nft or conntrack is a clear error", () => {
  for (const tools of [{ nft: "/nonexistent/nft" }, { conntrack: "no-such-conntrack-tool" }]) {
    assert.throws(
      () => applyFirewall({ ports: [{ port: 8080, established: 60, closeWait: 10 }], yes: false, tools }),
      (e: unknown) =>
        e instanceof IdlereapError &&
        e.code === "IDLEREAP_ERR_FIREWALL_TOOL_MISSING" &&
        /not found \(install the/.test(e.message),
    );
  }
});
