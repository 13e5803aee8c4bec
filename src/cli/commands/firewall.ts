// `idlereap firewall apply|status|remove`: per-port conntrack idle timeouts in table inet idlereap.

import { Command } from "commander";
import { InputError } from "../../errors.js";
import {
  applyFirewall,
  DEFAULT_CLOSE_WAIT_S,
  DEFAULT_ESTABLISHED_S,
  type FlowUpdate,
  firewallStatus,
  removeFirewall,
  type Untracked,
} from "../../firewall/firewall.js";
import type { PortTimeout } from "../../firewall/ruleset.js";
import { CURRENT_NETNS, resolveNetns } from "../../kernel/netns.js";
import { parseDuration } from "../../util/duration.js";
import { withHelp } from "../help.js";
import { io } from "../io.js";
import { strict } from "./tune.js";

const NETNS_HELP =
  "network namespace: the one the command runs in (default), host (PID 1's), a name in /run/netns, or a path";

function parsePort(value: string, previous: number[] = []): number[] {
  const ports = value.split(",").map((v) => v.trim());
  for (const p of ports) {
    if (!/^\d+$/.test(p) || Number(p) < 1 || Number(p) > 65535) {
      throw new InputError(
        "IDLEREAP_ERR_CLI_USAGE",
        `--port: ${JSON.stringify(p)} is not a port (1-65535)`,
        "port",
      );
    }
  }
  return [...previous, ...ports.map(Number)];
}

const MAX_CT_TIMEOUT_S = Math.floor((2 ** 31 - 1) / 1000);

function seconds(flag: string, value: string): number {
  let ms: number;
  try {
    ms = parseDuration(value, flag);
  } catch (err) {
    throw new InputError("IDLEREAP_ERR_CLI_USAGE", (err as Error).message, flag);
  }
  if (ms < 1000 || ms % 1000 !== 0) {
    throw new InputError(
      "IDLEREAP_ERR_CLI_USAGE",
      `${flag}: ${value} must be a whole number of seconds, at least 1s`,
      flag,
    );
  }
  // Conntrack keeps a flow's deadline in jiffies compared as a signed 32-bit difference
  // (nf_ct_is_expired): past 2^31-1 jiffies (24.8 days at HZ=1000) a flow would expire at once.
  if (ms / 1000 > MAX_CT_TIMEOUT_S) {
    throw new InputError(
      "IDLEREAP_ERR_CLI_USAGE",
      `${flag}: ${value} is longer than conntrack can hold (at most ${MAX_CT_TIMEOUT_S}s, 24.8 days)`,
      flag,
    );
  }
  return ms / 1000;
}

function netnsPath(spec: string | undefined): string | undefined {
  return resolveNetns(spec ?? CURRENT_NETNS).path ?? undefined;
}

function print(text: string): void {
  io.stdout.write(text);
}

function applyCommand(): Command {
  const cmd = new Command("apply")
    .description("set conntrack idle timeouts for TCP ports (prints the plan; changes only with --yes)")
    .requiredOption("--port <port>", "TCP port (repeat or comma-separate for several)", parsePort)
    .option("--established <duration>", "idle timeout of established flows", `${DEFAULT_ESTABLISHED_S}s`)
    .option("--close-wait <duration>", "timeout of flows in CLOSE_WAIT", `${DEFAULT_CLOSE_WAIT_S}s`)
    .option("--netns <ns>", NETNS_HELP)
    .option("--yes", "make the change")
    .action(
      (o: { port: number[]; established: string; closeWait: string; netns?: string; yes?: boolean }) => {
        const established = seconds("--established", o.established);
        const closeWait = seconds("--close-wait", o.closeWait);
        const ports: PortTimeout[] = o.port.map((port) => ({ port, established, closeWait }));
        const r = applyFirewall({ ports, yes: o.yes === true, netnsPath: netnsPath(o.netns) });
        if (!r.applied) {
          print(`would run:\n${r.commands.join("\n")}\nnothing changed (run again with --yes to apply)\n`);
        } else {
          print(`installed table inet idlereap for port(s) ${r.ports.map((p) => p.port).join(", ")}\n`);
          print(formatUpdates(r.updates));
        }
        print(formatUntracked(r.untracked));
        print(`warning: ${r.warning}\n`);
      },
    );
  return withHelp(cmd, "firewall", [
    ["idlereap firewall apply --port 8080", "show the nftables rules it would install"],
    ["idlereap firewall apply --port 8080 --established 10m --yes", "idle flows of :8080 expire in 10 min"],
  ]);
}

/** Flows that existed before the table: their remaining time changes, their policy does not. */
function formatUpdates(updates: readonly FlowUpdate[]): string {
  if (updates.length === 0) return "";
  const lines = updates.map(
    (u) =>
      `${u.ok ? "set" : "could not set"} ${u.flow.src}:${u.flow.sport} -> ${u.flow.dst}:${u.flow.dport} ${u.flow.state}: ${u.from}s left -> ${u.to}s left`,
  );
  const restored = updates.find((u) => u.restoredTo !== undefined)?.restoredTo;
  lines.push(
    `note: the flow(s) above existed before the table, and a timeout policy cannot be attached to an existing flow: the new time holds only while a flow stays idle; its next packet restores the default (${restored === undefined ? "nf_conntrack_tcp_timeout_established" : `${restored}s`}). Only flows opened from now on keep the port's timeout.`,
  );
  return `${lines.join("\n")}\n`;
}

function formatUntracked(untracked: readonly Untracked[]): string {
  let out = "";
  for (const u of untracked) {
    if (u.connections === undefined) {
      out += `note: port ${u.port}: the socket table could not be read, so connections conntrack does not track are not counted\n`;
    } else if (u.connections.length > 0) {
      out += `note: port ${u.port}: ${u.connections.length} connection(s) have no conntrack entry (conntrack was not tracking them when they opened, e.g. it was only just enabled in this namespace): no timeout applies to them until their next packet, when conntrack picks them up with the port's timeout\n`;
    }
  }
  return out;
}

function statusCommand(): Command {
  const cmd = new Command("status")
    .description("show what idlereap installed and the flows it matches")
    .option("--netns <ns>", NETNS_HELP)
    .option("--json", "print JSON")
    .action((o: { netns?: string; json?: boolean }) => {
      const s = firewallStatus({ netnsPath: netnsPath(o.netns) });
      if (o.json) return print(`${JSON.stringify(s, null, 2)}\n`);
      if (!s.installed) return print("table inet idlereap is not installed\n");
      for (const p of s.ports) {
        const untracked =
          p.untracked === undefined
            ? ", untracked connections unknown (socket table not read)"
            : p.untracked.length > 0
              ? `, ${p.untracked.length} connection(s) not tracked by conntrack (not covered until their next packet)`
              : "";
        print(
          `port ${p.port}: established ${p.established}s, close_wait ${p.closeWait}s, ${p.flows.length} flow(s)${untracked}\n`,
        );
        for (const f of p.flows) {
          const why = f.predatesPolicy
            ? " (predates the table: the default policy applies and each packet restores its timeout)"
            : "";
          print(`  ${f.src}:${f.sport} -> ${f.dst}:${f.dport} ${f.state} ${f.timeout}s left${why}\n`);
        }
        for (const c of p.untracked ?? []) print(`  ${c} not tracked by conntrack\n`);
      }
    });
  return withHelp(cmd, "firewall", [
    ["idlereap firewall status", "the ports, timeouts and tracked flows"],
    ["idlereap firewall status --netns web --json", "the same as JSON, in a namespace"],
  ]);
}

function removeCommand(): Command {
  const cmd = new Command("remove")
    .description("remove table inet idlereap (and nothing else)")
    .option("--netns <ns>", NETNS_HELP)
    .option("--yes", "make the change")
    .action((o: { netns?: string; yes?: boolean }) => {
      const r = removeFirewall({ netnsPath: netnsPath(o.netns), yes: o.yes === true });
      if (!r.installed) print("table inet idlereap is not installed; nothing to remove\n");
      else if (r.removed) print("removed table inet idlereap\n");
      else print(`would run: ${r.command}\nnothing changed (run again with --yes to remove)\n`);
    });
  return withHelp(cmd, "firewall", [
    ["idlereap firewall remove", "show what it would remove"],
    ["idlereap firewall remove --yes", "remove table inet idlereap"],
  ]);
}

export function firewallCommand(): Command {
  const cmd = new Command("firewall")
    .description("per-port conntrack idle timeouts in nftables table inet idlereap")
    .addCommand(applyCommand())
    .addCommand(statusCommand())
    .addCommand(removeCommand());
  return strict(
    withHelp(cmd, "firewall", [
      ["idlereap firewall apply --port 8080 --established 10m --yes", "conntrack forgets idle flows sooner"],
      ["idlereap firewall status", "what is installed"],
    ]),
  );
}
