// What `kill` and `run` do when not told otherwise, in one frozen object: the policy schema reads
// its defaults from here, and so do the kill flags and the Reaper.

/** report: only log it · close: graceful (FIN, then abort after grace) · abort: RST · keepalive: retrofit. */
export const ACTION_KINDS = ["report", "close", "abort", "keepalive"] as const;
export type ActionKind = (typeof ACTION_KINDS)[number];

export interface KeepaliveSettings {
  /** Idle time before the first probe, ms (TCP_KEEPIDLE, whole seconds, at least 1). */
  idleMs: number;
  /** Time between probes, ms (TCP_KEEPINTVL). */
  intervalMs: number;
  /** Unanswered probes before the kernel drops the connection (TCP_KEEPCNT). */
  count: number;
  /**
   * TCP_USER_TIMEOUT in ms; 0: none, so the count alone decides. With keepalive on it replaces the
   * count (model/keepalive.ts): idle + interval × count keeps the count exact.
   */
  userTimeoutMs: number;
}

export const REAP_DEFAULTS = Object.freeze({
  action: "report" as ActionKind,
  /** Graceful closes: abort sockets still held this long after FIN; 0 never. */
  graceMs: 5_000,
  force: false,
  allowAbort: false,
  /** idle + interval × count = 90 s: the user timeout that keeps the probe count meaningful. */
  keepalive: Object.freeze({
    idleMs: 60_000,
    intervalMs: 10_000,
    count: 3,
    userTimeoutMs: 90_000,
  }) as Readonly<KeepaliveSettings>,
  protect: Object.freeze({
    ports: Object.freeze([22]) as readonly number[],
    processes: Object.freeze([]) as readonly string[],
  }),
  /** Closing or keepalive actions per daemon scan. */
  maxActionsPerScan: 1000,
});
