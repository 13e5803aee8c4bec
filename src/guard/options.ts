// guard() options: the public shape, the frozen defaults, and the one schema that validates them and
// turns every duration into milliseconds. Every error names the option at fault.
import { z } from "zod";
import { InputError } from "../errors.js";
import { resolveUserTimeout } from "../model/keepalive.js";
import { type Duration, parseDuration } from "../util/duration.js";

export type SaturationPolicy = "evict-idlest" | "reject";

/** A prom-client Registry (or anything with the same registerMetric method). */
export interface MetricsRegistry {
  registerMetric(metric: unknown): void;
}

export interface KeepAliveOptions {
  /** Idle time before the first probe (TCP_KEEPIDLE). Whole seconds, at least 1s. */
  idle?: Duration;
  /** Time between probes (TCP_KEEPINTVL). Whole seconds, at least 1s. */
  interval?: Duration;
  /** Unanswered probes before the kernel drops the connection (TCP_KEEPCNT), 1 to 127. */
  count?: number;
}

export interface HeartbeatOptions {
  /** Time between WebSocket pings. 0 turns the heartbeat off. */
  interval?: Duration;
  /** How long a pong may take before the peer is terminated. */
  timeout?: Duration;
}

export interface PressureOptions {
  /** Usage (0..1) of descriptors or heap at which idleTimeout starts to shrink. */
  scaleAt?: number;
  /** Usage at which idleTimeout reaches minScale. */
  saturateAt?: number;
  /** The smallest factor idleTimeout is multiplied by. */
  minScale?: number;
}

export interface GuardMetricsOptions {
  registry: MetricsRegistry;
  /** Prefix of every metric name. */
  prefix?: string;
}

export interface GuardOptions {
  /** No application data in either direction for this long closes the connection. 0 disables. */
  idleTimeout?: Duration;
  /** Close timed-out connections with RST instead of FIN. */
  reset?: boolean;
  /** After a FIN, how long the peer has to close before the socket is destroyed. */
  linger?: Duration;
  /** TCP keepalive probes; true takes the defaults, false leaves keepalive as the application set it. */
  keepAlive?: KeepAliveOptions | boolean;
  /**
   * TCP_USER_TIMEOUT: sent data unacknowledged this long aborts the connection; with keepalive on it
   * replaces the probe count. Default: keepAlive idle + interval × count (the count holds), or 0
   * without keepAlive. 0 keeps the kernel's behaviour.
   */
  userTimeout?: Duration;
  /** Recycle connections older than this. 0 disables. */
  maxAge?: Duration;
  /** Spread of maxAge: each connection gets maxAge × (1 ± jitter). */
  maxAgeJitter?: number;
  /** Peer sent FIN and the application never closed: destroy after this long. 0 disables. */
  halfCloseTimeout?: Duration;
  /** WebSocket ping/pong; true takes the defaults, false disables. */
  heartbeat?: HeartbeatOptions | boolean;
  /** Most connections at once. 0 means no limit. */
  maxConnections?: number;
  /** What to do with a new connection past maxConnections. */
  onSaturation?: SaturationPolicy;
  /** Shrink idleTimeout as descriptors or heap run out; true takes the default thresholds. */
  pressure?: PressureOptions | boolean;
  /** Export prom-client metrics on this registry. */
  metrics?: GuardMetricsOptions;
}

export interface ResolvedGuardOptions {
  readonly idleTimeout: number;
  readonly reset: boolean;
  readonly linger: number;
  readonly keepAlive: { readonly idle: number; readonly interval: number; readonly count: number } | null;
  /** The TCP_USER_TIMEOUT to set (given, or derived from keepAlive); 0 leaves the kernel's. */
  readonly userTimeout: number;
  /** What the kernel will do when an explicit userTimeout overrides the keepalive count, or null. */
  readonly userTimeoutWarning: string | null;
  readonly maxAge: number;
  readonly maxAgeJitter: number;
  readonly halfCloseTimeout: number;
  readonly heartbeat: { readonly interval: number; readonly timeout: number } | null;
  readonly maxConnections: number;
  readonly onSaturation: SaturationPolicy;
  readonly pressure: {
    readonly scaleAt: number;
    readonly saturateAt: number;
    readonly minScale: number;
  } | null;
  readonly metrics: { readonly registry: MetricsRegistry; readonly prefix: string } | null;
}

export const GUARD_DEFAULTS = Object.freeze({
  idleTimeout: "60s",
  reset: false,
  linger: "1s",
  keepAlive: Object.freeze({ idle: "30s", interval: "5s", count: 3 }),
  maxAge: 0,
  maxAgeJitter: 0.1,
  halfCloseTimeout: "10s",
  heartbeat: Object.freeze({ interval: "30s", timeout: "10s" }),
  maxConnections: 0,
  onSaturation: "evict-idlest",
  pressure: Object.freeze({ scaleAt: 0.8, saturateAt: 0.95, minScale: 0.1 }),
  metricsPrefix: "idlereap_guard_",
} as const);

/** What `keepAlive: true` and `heartbeat: true` stand for, in milliseconds. */
const KEEPALIVE_ON = Object.freeze({
  idle: parseDuration(GUARD_DEFAULTS.keepAlive.idle),
  interval: parseDuration(GUARD_DEFAULTS.keepAlive.interval),
  count: GUARD_DEFAULTS.keepAlive.count,
});
const HEARTBEAT_ON = Object.freeze({
  interval: parseDuration(GUARD_DEFAULTS.heartbeat.interval),
  timeout: parseDuration(GUARD_DEFAULTS.heartbeat.timeout),
});

const duration = z.union([z.string(), z.number()]).transform((value, ctx) => {
  try {
    // Every guard duration feeds a timer (or TCP_USER_TIMEOUT, an int of ms in the kernel).
    return parseDuration(value, "duration", { timer: true });
  } catch (e) {
    ctx.addIssue({ code: "custom", message: (e as Error).message.replace(/^duration: /, "") });
    return z.NEVER;
  }
});

/** Keepalive counts in whole seconds: a duration under 1s or not a whole second is refused. */
const seconds = duration.refine((ms) => ms >= 1000 && ms % 1000 === 0 && ms <= 32_767_000, {
  message: "must be a whole number of seconds between 1s and 32767s (the kernel counts keepalive in seconds)",
});

const ratio = z.number().min(0).max(1);

const schema = z.strictObject({
  idleTimeout: duration.prefault(GUARD_DEFAULTS.idleTimeout),
  reset: z.boolean().prefault(GUARD_DEFAULTS.reset),
  linger: duration.prefault(GUARD_DEFAULTS.linger),
  keepAlive: z
    .union([
      z.boolean(),
      z.strictObject({
        idle: seconds.prefault(GUARD_DEFAULTS.keepAlive.idle),
        interval: seconds.prefault(GUARD_DEFAULTS.keepAlive.interval),
        count: z.number().int().min(1).max(127).prefault(GUARD_DEFAULTS.keepAlive.count),
      }),
    ])
    .prefault({ ...GUARD_DEFAULTS.keepAlive }),
  // No default here: without a value it is derived from the keepalive timers in finish().
  userTimeout: duration.refine((ms) => ms <= 2 ** 31 - 1, "is too large").optional(),
  maxAge: duration.prefault(GUARD_DEFAULTS.maxAge),
  maxAgeJitter: z.number().min(0).max(0.5).prefault(GUARD_DEFAULTS.maxAgeJitter),
  halfCloseTimeout: duration.prefault(GUARD_DEFAULTS.halfCloseTimeout),
  heartbeat: z
    .union([
      z.boolean(),
      z.strictObject({
        interval: duration.prefault(GUARD_DEFAULTS.heartbeat.interval),
        timeout: duration.prefault(GUARD_DEFAULTS.heartbeat.timeout),
      }),
    ])
    .prefault({ ...GUARD_DEFAULTS.heartbeat }),
  maxConnections: z.number().int().min(0).prefault(GUARD_DEFAULTS.maxConnections),
  onSaturation: z.enum(["evict-idlest", "reject"]).prefault(GUARD_DEFAULTS.onSaturation),
  pressure: z
    .union([
      z.boolean(),
      z.strictObject({
        scaleAt: ratio.prefault(GUARD_DEFAULTS.pressure.scaleAt),
        saturateAt: ratio.prefault(GUARD_DEFAULTS.pressure.saturateAt),
        minScale: ratio.prefault(GUARD_DEFAULTS.pressure.minScale),
      }),
    ])
    .prefault(false),
  metrics: z
    .strictObject({
      registry: z.custom<MetricsRegistry>(
        (r) => typeof (r as MetricsRegistry | null)?.registerMetric === "function",
        "must be a prom-client Registry",
      ),
      prefix: z
        .string()
        .regex(/^[a-zA-Z_:][a-zA-Z0-9_:]*$/, "must be a valid Prometheus name prefix")
        .prefault(GUARD_DEFAULTS.metricsPrefix),
    })
    .optional(),
});

/** Validates guard() options and returns them in milliseconds, or throws naming the option. */
export function resolveOptions(input: unknown): ResolvedGuardOptions {
  if (input !== undefined && (typeof input !== "object" || input === null || Array.isArray(input))) {
    throw optionError("options", "must be an object");
  }
  const parsed = schema.safeParse(input ?? {});
  if (!parsed.success) {
    const issue = deepest(parsed.error.issues[0]);
    const key = issue?.path.map(String).join(".") || "options";
    const message =
      issue?.code === "unrecognized_keys" ? "is not a known option" : (issue?.message ?? "is not valid");
    throw optionError(issue?.code === "unrecognized_keys" ? prefixed(key, issue.keys[0]) : key, message);
  }
  return finish(parsed.data);
}

type Issue = z.core.$ZodIssue;

/** A union (`false` or an object) reports its own issue: take the deepest one from its branches. */
function deepest(issue: Issue | undefined): Issue | undefined {
  if (issue?.code !== "invalid_union") return issue;
  let best: Issue | undefined;
  for (const branch of issue.errors) {
    const inner = deepest(branch[0]);
    if (inner && (!best || inner.path.length > best.path.length)) best = inner;
  }
  if (!best || best.path.length === 0) return issue;
  return { ...best, path: [...issue.path, ...best.path] };
}

function prefixed(path: string, key: string | undefined): string {
  if (key === undefined) return path;
  return path === "options" ? key : `${path}.${key}`;
}

function finish(o: z.output<typeof schema>): ResolvedGuardOptions {
  const pressure = o.pressure === true ? { ...GUARD_DEFAULTS.pressure } : o.pressure || null;
  if (pressure && pressure.saturateAt <= pressure.scaleAt) {
    throw optionError("pressure.saturateAt", "must be greater than pressure.scaleAt");
  }
  const hb = o.heartbeat === true ? HEARTBEAT_ON : o.heartbeat;
  const heartbeat = hb && hb.interval > 0 ? hb : null;
  if (heartbeat && heartbeat.timeout <= 0) throw optionError("heartbeat.timeout", "must be more than 0");
  if (o.linger <= 0) throw optionError("linger", "must be more than 0");
  const keepAlive = o.keepAlive === true ? KEEPALIVE_ON : o.keepAlive || null;
  const user = userTimeoutFor(keepAlive, o.userTimeout);
  return Object.freeze({
    idleTimeout: o.idleTimeout,
    reset: o.reset,
    linger: o.linger,
    keepAlive,
    userTimeout: user.userTimeoutMs,
    userTimeoutWarning: user.warning === null ? null : `guard(): ${user.warning}`,
    maxAge: o.maxAge,
    maxAgeJitter: o.maxAgeJitter,
    halfCloseTimeout: o.halfCloseTimeout,
    heartbeat,
    maxConnections: o.maxConnections,
    onSaturation: o.onSaturation,
    pressure,
    metrics: o.metrics ? { registry: o.metrics.registry, prefix: o.metrics.prefix } : null,
  });
}

/**
 * Keepalive on and no userTimeout: idle + interval × count, so that the count holds and data left
 * unacknowledged is given up in the same time. keepAlive false and no userTimeout: 0, so that guard
 * does not override a keepalive count the application set itself.
 */
function userTimeoutFor(ka: ResolvedGuardOptions["keepAlive"], explicit: number | undefined) {
  if (ka === null) return { userTimeoutMs: explicit ?? 0, warning: null };
  return resolveUserTimeout({ idleMs: ka.idle, intervalMs: ka.interval, count: ka.count }, explicit);
}

export function optionError(key: string, message: string): InputError {
  const text = message.charAt(0).toLowerCase() + message.slice(1);
  return new InputError("IDLEREAP_ERR_GUARD_OPTION", `guard(): option ${key}: ${text}`, key);
}
