// What the kernel does with keepalive timers and TCP_USER_TIMEOUT together, as pure functions: the
// user timeout that keeps a probe count meaningful, and when an idle dead peer is actually given up.
import { formatDuration } from "../util/duration.js";

/** Keepalive timers in milliseconds, as the kernel will use them (TCP_KEEPIDLE/INTVL/CNT). */
export interface KeepaliveTimers {
  /** Silence before the first probe (TCP_KEEPIDLE). */
  idleMs: number;
  /** Time between probes (TCP_KEEPINTVL). */
  intervalMs: number;
  /** Unanswered probes before the kernel gives up (TCP_KEEPCNT). */
  count: number;
}

/** When an idle connection whose peer stopped answering is given up, measured from the last segment received. */
export interface KeepaliveOutcome {
  /** Time from the peer's last segment to the kernel's ETIMEDOUT. */
  giveUpMs: number;
  /** Probes sent, all unanswered, before it gives up. */
  probes: number;
}

/**
 * The user timeout that keeps the probe count exact: idle + interval × count (Cloudflare, "When TCP
 * sockets refuse to die"; gRPC proposal A18). It also bounds unacknowledged data by the same time.
 */
export function matchingUserTimeout(k: KeepaliveTimers): number {
  return k.idleMs + k.intervalMs * k.count;
}

/**
 * tcp_keepalive_timer() (net/ipv4/tcp_timer.c) runs at idle, then every interval while the peer is
 * silent; each run first checks whether to give up, else sends one probe. Without a user timeout it
 * gives up once `count` probes are out. With one it ignores the count and gives up at the first run
 * where the time since the last segment received is >= the user timeout and at least one probe is
 * out. So the outcome is idle + interval × k, with k = count, or the smallest k >= 1 reaching the user
 * timeout. (The timer runs only while no data is in flight; with data outstanding, retransmissions
 * and the user timeout itself decide.)
 */
export function keepaliveOutcome(k: KeepaliveTimers, userTimeoutMs: number): KeepaliveOutcome {
  const probes =
    userTimeoutMs > 0 ? Math.max(1, Math.ceil((userTimeoutMs - k.idleMs) / k.intervalMs)) : k.count;
  return { giveUpMs: k.idleMs + k.intervalMs * probes, probes };
}

/** TCP_USER_TIMEOUT is an int of milliseconds (about 24.8 days). */
export const USER_TIMEOUT_MAX_MS = 2 ** 31 - 1;

export interface ResolvedUserTimeout {
  /** The TCP_USER_TIMEOUT to set, in milliseconds (0: leave the kernel's behaviour). */
  userTimeoutMs: number;
  /** Set when an explicit user timeout changes when a dead peer is found: what will really happen. */
  warning: string | null;
}

/**
 * Without an explicit user timeout, derives the one that keeps the count (`undefined` means "not
 * given"; 0 is explicit and keeps the kernel's behaviour, where the count holds). An explicit value
 * whose outcome differs from the count's gets a warning saying what the kernel will actually do.
 */
export function resolveUserTimeout(k: KeepaliveTimers, explicitMs: number | undefined): ResolvedUserTimeout {
  if (explicitMs === undefined) {
    // Past what setsockopt takes, leave it unset: the count holds without a user timeout too.
    const matching = matchingUserTimeout(k);
    return { userTimeoutMs: matching <= USER_TIMEOUT_MAX_MS ? matching : 0, warning: null };
  }
  const wanted = keepaliveOutcome(k, 0);
  const actual = keepaliveOutcome(k, explicitMs);
  if (actual.probes === wanted.probes) return { userTimeoutMs: explicitMs, warning: null };
  return { userTimeoutMs: explicitMs, warning: userTimeoutWarning(k, explicitMs, actual) };
}

function userTimeoutWarning(k: KeepaliveTimers, userTimeoutMs: number, actual: KeepaliveOutcome): string {
  const timers = `idle ${formatDuration(k.idleMs)} + interval ${formatDuration(k.intervalMs)} × count ${k.count}`;
  const head =
    `userTimeout ${formatDuration(userTimeoutMs)} replaces the keepalive count: the kernel gives up on a ` +
    `silent peer after ${plural(actual.probes, "unanswered probe")} (${formatDuration(actual.giveUpMs)}), ` +
    `not ${k.count} (${formatDuration(matchingUserTimeout(k))}, ${timers})`;
  const why =
    actual.probes >= k.count
      ? "a dead peer holds the connection longer than the count says"
      : actual.probes === 1
        ? "one lost probe can close a healthy connection"
        : `${actual.probes} lost probes in a row can close a healthy connection`;
  return `${head}; ${why}. Leave userTimeout unset to keep the count, or set it to ${formatDuration(matchingUserTimeout(k))}`;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

/** tcp_retries2 = 15 with the minimum RTO: about 924.6 s before unacknowledged data is given up. */
export const RETRIES2_DEFAULT_MS = 924_600;

export interface DetectionTimes {
  /** Idle connection, peer gone: from its last segment to ETIMEDOUT (Infinity without keepalive). */
  idleMs: number;
  /** Data outstanding, peer gone: the user timeout, else the kernel's retries (default sysctls). */
  withDataMs: number;
}

/** The longest a dead peer goes unnoticed, idle or with data in flight, for these settings. */
export function worstCaseDetection(k: KeepaliveTimers | null, userTimeoutMs: number): DetectionTimes {
  return {
    idleMs: k === null ? Number.POSITIVE_INFINITY : keepaliveOutcome(k, userTimeoutMs).giveUpMs,
    withDataMs: userTimeoutMs > 0 ? userTimeoutMs : RETRIES2_DEFAULT_MS,
  };
}
