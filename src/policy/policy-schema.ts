// The `idlereap run` policy: one zod definition gives validation with defaults, the TypeScript type
// and the JSON Schema for editors (scripts/gen-policy-schema.ts writes schema/policy.schema.json).
// Durations are strings with units ("250ms", "5s", "10m") or milliseconds; they come out as ms.
import { isIP } from "node:net";
import { z } from "zod";
import { parseCidr } from "../kernel/address.js";
import { MAX_FILTER_PORTS } from "../kernel/inet-diag-bytecode.js";
import { RESOURCES } from "../pressure/netns-pressure.js";
import { PRESSURE_DEFAULTS } from "../pressure/scale.js";
import { ACTION_KINDS, REAP_DEFAULTS } from "../reap/defaults.js";
import { parseStates } from "../select/states.js";
import { type DurationOptions, formatDuration, parseDuration } from "../util/duration.js";

// Durations that feed a timer (interval, grace, timeouts) are refused past MAX_TIMER_MS.
const duration = (what: string, opts: DurationOptions = {}) =>
  z
    .union([z.string(), z.number()])
    .transform((v, ctx) => {
      try {
        return parseDuration(v, what, opts);
      } catch (err) {
        ctx.addIssue({ code: "custom", message: (err as Error).message.replace(/^[^:]+: /, "") });
        return z.NEVER;
      }
    })
    .meta({ description: `${what}: a duration like 250ms, 30s, 5m, 1h30m, or milliseconds` });

const TIMER = { timer: true } as const;

// Every list is bounded, so that a huge one is refused with its key and bound instead of taking
// seconds and gigabytes to validate and then failing further on.
/** The most items a list of names, prefixes, pids, rules or namespaces may hold. */
export const MAX_LIST_ITEMS = 1024;
const PORTS_WHY = "the kernel's socket filter bytecode holds about 2700 port comparisons";
const NAMES_WHY = "a larger list is a generated mistake, not a policy";

const bounded = <T extends z.ZodType>(item: T, max = MAX_LIST_ITEMS, why = NAMES_WHY) =>
  z.array(item).max(max, `at most ${max} items (${why})`);

const oneOrMany = <T extends z.ZodType>(item: T, max?: number, why?: string) =>
  z
    .union([item, bounded(item, max, why).min(1)])
    .transform((v) => (Array.isArray(v) ? v : [v]) as z.output<T>[]);

const port = z.number().int().min(0).max(65535);
const ports = (p: z.ZodType<number>) => oneOrMany(p, MAX_FILTER_PORTS, PORTS_WHY);

// "address:port" with a real address (each IPv4 octet 0-255, IPv6 by node:net) and a port 1-65535;
// port 0 (any free port) is kept for tests that let the kernel choose.
const listen = z.string().superRefine((v, ctx) => {
  const why = checkListen(v);
  if (why) ctx.addIssue({ code: "custom", message: why });
});

function checkListen(v: string): string | undefined {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([0-9.]+|localhost)):(\d{1,5})$/.exec(v);
  if (!m) return `"${v}" must be "address:port", e.g. 127.0.0.1:9848 or [::1]:9848`;
  const host = m[1] ?? m[2] ?? "";
  if (host !== "localhost" && isIP(host) !== (m[1] === undefined ? 4 : 6))
    return `"${v}": ${host} is not an IP${m[1] === undefined ? "v4" : "v6"} address`;
  if (Number(m[3]) > 65535) return `"${v}": port ${m[3]} is out of range (1-65535)`;
  return undefined;
}

const cidr = z.string().superRefine((v, ctx) => {
  try {
    parseCidr(v);
  } catch {
    ctx.addIssue({ code: "custom", message: `"${v}" is not an address or prefix like 10.0.0.0/8` });
  }
});

const states = oneOrMany(z.string()).superRefine((v, ctx) => {
  try {
    parseStates(v);
  } catch (err) {
    ctx.addIssue({ code: "custom", message: (err as Error).message.replace(/^state: /, "") });
  }
});

export const ACTIONS = ACTION_KINDS;
const K = REAP_DEFAULTS.keepalive;

export const matchSchema = z
  .strictObject({
    state: states
      .optional()
      .meta({ description: "TCP states, e.g. established or [close-wait, fin-wait-2]" }),
    port: ports(port).optional().meta({ description: "local or remote port" }),
    sport: ports(port).optional().meta({ description: "local port" }),
    dport: ports(port).optional().meta({ description: "remote port" }),
    src: oneOrMany(cidr).optional().meta({ description: "local address prefix" }),
    dst: oneOrMany(cidr).optional().meta({ description: "remote address prefix" }),
    process: oneOrMany(z.string().min(1)).optional().meta({ description: "owner command (glob with *)" }),
    pid: oneOrMany(z.number().int().positive()).optional().meta({ description: "owner process id" }),
    cgroup: oneOrMany(z.string().min(1)).optional().meta({ description: "cgroup v2 path (glob with *)" }),
    idle: duration("idle")
      .optional()
      .meta({ description: "no application data either way for at least this long" }),
    age: duration("age").optional().meta({ description: "first seen by the daemon at least this long ago" }),
    unacked: duration("unacked").optional().meta({
      description:
        "data in flight, sent at least this long ago, and no ACK from the peer since (a dead peer)",
    }),
    deadPeer: duration("deadPeer").optional().meta({ description: "same as unacked" }),
    keepalive: z.boolean().optional().meta({ description: "whether the keepalive timer is armed" }),
    peer: z.enum(["dead"]).optional().meta({
      description:
        "dead: only sockets whose peer does not answer keepalive probes sent now (idlereap probe; needs an owner)",
    }),
  })
  .meta({ description: "Conditions a socket must all meet; an empty match selects every connected socket" });

// TCP_KEEPIDLE and TCP_KEEPINTVL take seconds, at most 32767 (MAX_TCP_KEEPIDLE, MAX_TCP_KEEPINTVL).
const keepaliveSeconds = (ms: number) => ms <= 32_767_000;
const KEEPALIVE_SECONDS = "must be at most 32767s (the kernel's limit for keepalive times)";

const keepaliveSchema = z
  .strictObject({
    idle: duration("keepalive.idle")
      .prefault(formatDuration(K.idleMs))
      .refine(keepaliveSeconds, KEEPALIVE_SECONDS),
    interval: duration("keepalive.interval")
      .prefault(formatDuration(K.intervalMs))
      .refine(keepaliveSeconds, KEEPALIVE_SECONDS),
    count: z.number().int().min(1).max(127).default(K.count),
    userTimeout: duration("keepalive.userTimeout", TIMER).optional().meta({
      description:
        "TCP_USER_TIMEOUT; unset: idle + interval × count, so that the count holds; 0: none (the count alone decides)",
    }),
  })
  .meta({ description: "action: keepalive: the timers set into the running process's socket" });

export const ruleSchema = z
  .strictObject({
    name: z.string().min(1),
    match: matchSchema.prefault({}),
    action: z.enum(ACTIONS).default(REAP_DEFAULTS.action),
    grace: duration("grace", TIMER)
      .prefault(formatDuration(REAP_DEFAULTS.graceMs))
      .meta({ description: "close: abort if still held this long after FIN; 0 never" }),
    force: z
      .boolean()
      .default(REAP_DEFAULTS.force)
      .meta({ description: "close or abort even with data queued" }),
    fallback: z
      .enum(["none", "abort"])
      .default("none")
      .meta({ description: "close: what to do when pidfd_getfd is refused or no process holds the socket" }),
    keepalive: keepaliveSchema.prefault({}),
  })
  .meta({ description: "Rules apply in order; the first whose match holds decides" });

const pressureSchema = z
  .strictObject({
    scaleAt: z.number().min(0).max(1).default(PRESSURE_DEFAULTS.scaleAt),
    saturateAt: z.number().min(0).max(1).default(PRESSURE_DEFAULTS.saturateAt),
    minScale: z.number().gt(0).max(1).default(PRESSURE_DEFAULTS.minScale),
    resources: z
      .array(z.enum(RESOURCES))
      .min(1)
      .default([...PRESSURE_DEFAULTS.resources]),
  })
  .superRefine((p, ctx) => {
    if (p.saturateAt <= p.scaleAt) {
      ctx.addIssue({ code: "custom", path: ["saturateAt"], message: "must be greater than scaleAt" });
    }
  });

export const policySchema = z
  .strictObject({
    interval: duration("interval", TIMER)
      .prefault("5s")
      .refine((ms) => ms >= 100, "must be at least 100ms"),
    namespaces: bounded(z.string().min(1)).min(1).default(["current"]).meta({
      description:
        '"current" (where the daemon runs), "host" (PID 1\'s), names under /run/netns, paths, or "all" (new namespaces are picked up)',
    }),
    protect: z
      .strictObject({
        ports: bounded(port, MAX_FILTER_PORTS, PORTS_WHY).default([...REAP_DEFAULTS.protect.ports]),
        processes: bounded(z.string().min(1)).default([...REAP_DEFAULTS.protect.processes]),
      })
      .prefault({}),
    limits: z
      .strictObject({ maxActionsPerScan: z.number().int().min(0).default(REAP_DEFAULTS.maxActionsPerScan) })
      .prefault({}),
    metrics: z
      .strictObject({
        listen: listen.default("127.0.0.1:9848"),
        enabled: z.boolean().default(true),
        refresh: duration("metrics.refresh", TIMER).prefault("30s").meta({
          description:
            "how often socket counts and the idle histogram are refreshed by a full scan; 0: every scan",
        }),
        maxConnections: z.number().int().min(1).max(10_000).default(64).meta({
          description: "connections to the metrics endpoint open at once; more are closed on accept",
        }),
      })
      .prefault({}),
    audit: z
      .strictObject({
        file: z.string().min(1).optional().meta({ description: "JSON lines; absent: stdout" }),
      })
      .prefault({}),
    rules: bounded(ruleSchema).min(1),
    pressure: pressureSchema.optional(),
  })
  .superRefine((p, ctx) => {
    const seen = new Set<string>();
    p.rules.forEach((r, i) => {
      if (seen.has(r.name)) {
        ctx.addIssue({
          code: "custom",
          path: ["rules", i, "name"],
          message: `duplicate rule name "${r.name}"`,
        });
      }
      seen.add(r.name);
    });
  });

export type Policy = z.output<typeof policySchema>;
export type Rule = Policy["rules"][number];
export type RuleMatch = Rule["match"];

/** The JSON Schema editors use to complete and check policy files. */
export function policyJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(policySchema, { io: "input", unrepresentable: "any" }),
    $id: "urn:idlereap:policy",
    title: "idlereap run policy",
  };
}
