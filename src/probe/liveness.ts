// Tells an idle connection whose peer is alive from one whose peer is gone, without sending
// application data: through a duplicate of the owner's descriptor, keepalive is switched on with a
// one-second idle and interval (the kernel sends a probe at once), sock_diag shows whether the peer
// ACKs, and every option is put back exactly as it was read. Nothing else reveals an idle peer's
// liveness: with no data in flight there is no missing ACK to see.

import type { SockId } from "../kernel/inet-diag-codec.js";
import { type KeepaliveOptions, MAX_KEEPCNT } from "../kernel/keepalive-options.js";
import type { NetnsRef } from "../kernel/netns.js";
import { DiagSocket } from "../kernel/sock-diag.js";
import { STATE } from "../kernel/structs.js";
import { sockIdOf, type TcpSocket } from "../model/tcp-socket.js";
import { processFdPressure } from "../proc/limits.js";
import { Arming } from "./arming.js";
import type { JournalEntry, ProbeJournal } from "./probe-journal.js";

export type Liveness = "alive" | "dead" | "unknown";

export interface ProbeOptions {
  /** Unanswered probes that make a peer dead; default 3. */
  readonly probes?: number;
  /** Time between probes, ms, whole seconds (TCP_KEEPINTVL); default 1000. */
  readonly intervalMs?: number;
  /**
   * How long the last probe may take to be answered after it left, beyond twice the round trip and
   * four times its variation, ms; default 25. The kernel tells when it left (its keepalive timer).
   */
  readonly answerWaitMs?: number;
  /**
   * From the last probe on, the shortest time between two reads of sock_diag, ms; default 25. Before
   * that it is read once after each probe's answer wait.
   */
  readonly pollMs?: number;
  /** Where the options being changed are written first, so that an interrupted probe can be undone. */
  readonly journal?: ProbeJournal;
  /** Ends the watch early (Ctrl-C): what is not classified yet is unknown, and everything is put back. */
  readonly signal?: AbortSignal;
  /** The kernel filter the sockets were selected with (`SocketFilter.bytecode`): narrows every poll. */
  readonly bytecode?: Buffer;
  /** Up to this many unclassified sockets are looked up one by one; more, with a dump; default 1024. */
  readonly lookupAtMost?: number;
  /**
   * Called once per socket as soon as its result is final (classified, options put back), in no
   * set order: a caller can render most of a large report while the last probes are out.
   */
  readonly onResult?: (result: ProbeResult) => void;
}

export interface ProbeResult {
  readonly socket: TcpSocket;
  readonly liveness: Liveness;
  /** For alive: how long after the first probe the peer's ACK was seen, ms (bounded by the poll). */
  readonly answeredMs?: number;
  /** Probes the kernel sent that were not answered when the socket was classified. */
  readonly unanswered?: number;
  /** Why the liveness is unknown, or what was not put back. */
  readonly reason?: string;
  /** The options as they were before the probe (absent when they could not be read). */
  readonly before?: KeepaliveOptions;
  /** Every option reads back as before (false also when the socket closed during the probe). */
  readonly restored: boolean;
}

interface Live {
  readonly socket: TcpSocket;
  readonly before: KeepaliveOptions;
  readonly startedAt: number;
  /**
   * Probes out when the socket was scanned: the kernel counts them until the peer ACKs, so a dead
   * peer probed before (by an earlier probe, or by its owner's keepalive) starts above zero.
   */
  readonly probesBefore: number;
  /** The classification, once made (its `restored` is filled in from `putBack`). */
  result?: ProbeResult;
  /** How putting the options back went; set once, as soon as the socket is classified. */
  putBack?: Pick<ProbeResult, "restored" | "reason" | "before">;
  /** The smoothed round trip the kernel reports and its variation, ms. */
  rttMs?: number;
  rttVarMs?: number;
  /** When the last of the probes left (from the keepalive timer it re-armed), once all have. */
  lastProbeAt?: number;
  /** The socket's kernel id, for looking it up alone (made when first needed). */
  id?: SockId;
}

export const PROBE_DEFAULTS = Object.freeze({
  probes: 3,
  intervalMs: 1000,
  answerWaitMs: 25,
  pollMs: 25,
  lookupAtMost: 1024,
});

/** Probes every established socket of `sockets` that has an owner; the rest come back unknown. */
export async function probeLiveness(
  sockets: readonly TcpSocket[],
  namespaces: ReadonlyMap<string, NetnsRef>,
  options: ProbeOptions = {},
): Promise<ProbeResult[]> {
  const probes = Math.max(1, Math.min(options.probes ?? PROBE_DEFAULTS.probes, MAX_KEEPCNT - 1));
  const intervalS = Math.max(1, Math.round((options.intervalMs ?? PROBE_DEFAULTS.intervalMs) / 1000));
  const arming = new Arming();
  const results = new Map<TcpSocket, ProbeResult>();
  const settle = (r: ProbeResult) => {
    results.set(r.socket, r);
    options.onResult?.(r);
  };
  const live: Live[] = [];
  const putBack = (ls: readonly Live[], probing: KeepaliveOptions | undefined) => {
    const out = arming.putBack(
      ls.map((l) => ({ target: l.socket, before: l.before })),
      probing,
    );
    ls.forEach((l, i) => {
      l.putBack = { before: l.before, ...(out[i] as Pick<ProbeResult, "restored" | "reason">) };
      settle(finalResult(l));
    });
  };
  try {
    const candidates: TcpSocket[] = [];
    for (const s of sockets) {
      const verdict = unprobeable(s, probes);
      if (verdict) settle({ socket: s, liveness: "unknown", reason: verdict, restored: true });
      else candidates.push(s);
    }
    const probing: KeepaliveOptions = {
      enabled: true,
      idleS: 1,
      intervalS,
      count: MAX_KEEPCNT, // the kernel must not give up while we watch: classifying is not closing
      userTimeoutMs: 0, // a user timeout would close a dead connection after the first probe
    };
    // Every duplicate is held from its read to its arming: in batches that the descriptor limit
    // holds, so that a probe of more connections than it allows still probes them all.
    const batch = descriptorBudget();
    const entries: JournalEntry[] = [];
    for (let at = 0; at < candidates.length; at += batch) {
      const some = candidates.slice(at, at + batch);
      const reads = arming.read(some);
      const befores = reads.map((r) => ("before" in r ? r.before : undefined));
      reads.forEach((r, i) => {
        const s = some[i] as TcpSocket;
        if ("before" in r) entries.push(journalEntry(s, r.before));
        else settle({ socket: s, liveness: "unknown", reason: r.failed, restored: true });
      });
      options.journal?.write(entries);
      const armed = arming.arm(probing);
      armed.forEach((a, i) => {
        const s = some[i] as TcpSocket;
        const before = befores[i];
        if (a === undefined || before === undefined) return;
        if ("at" in a) {
          live.push({
            socket: s,
            before,
            startedAt: a.at,
            probesBefore: s.probes ?? 0,
          });
        } else {
          const reason = a.restored ? a.failed : (a.reason ?? a.failed);
          settle({ socket: s, liveness: "unknown", before, restored: a.restored, reason });
        }
      });
    }
    await watch(live, namespaces, (ls) => putBack(ls, probing), {
      probes,
      intervalMs: intervalS * 1000,
      deadAfterMs: (probes - 1) * intervalS * 1000,
      answerWaitMs: options.answerWaitMs ?? PROBE_DEFAULTS.answerWaitMs,
      pollMs: options.pollMs ?? PROBE_DEFAULTS.pollMs,
      lookupAtMost: options.lookupAtMost ?? PROBE_DEFAULTS.lookupAtMost,
      signal: options.signal,
      bytecode: options.bytecode,
    });
  } finally {
    // Interrupted or failed: everything still changed is put back, writing every option.
    putBack(
      live.filter((l) => !l.putBack),
      undefined,
    );
    if (live.length > 0 || options.journal) options.journal?.clear();
    arming.release();
  }
  return sockets.map((s) => results.get(s) as ProbeResult);
}

/** Descriptors this process can open now, less a reserve for everything else it does. */
function descriptorBudget(): number {
  const p = processFdPressure(process.pid);
  if (p === undefined || !Number.isFinite(p.softLimit)) return 65_536;
  return Math.max(64, p.softLimit - p.open - 256);
}

/** Why a socket is not probed, or undefined when it can be. */
function unprobeable(s: TcpSocket, probes: number): string | undefined {
  if (s.state !== "established") return `${s.state}: only established connections are probed`;
  // The kernel counts unanswered probes until an ACK and closes the connection at TCP_KEEPCNT, whose
  // ceiling is 127: probing a peer that has missed that many already would close it.
  if ((s.probes ?? 0) + probes >= MAX_KEEPCNT) {
    return `its peer has not answered ${s.probes} keepalive probes already; probing it ${probes} more times could make the kernel close it`;
  }
  if (s.pid === null || s.fd === null) return "no process holds this socket (or its owner is not visible)";
  if ((s.unacked ?? 0) > 0) {
    return "data is in flight: the kernel sends no keepalive probe while data is unacknowledged (see lastAckMs)";
  }
  return undefined;
}

interface WatchPlan {
  signal: AbortSignal | undefined;
  probes: number;
  intervalMs: number;
  deadAfterMs: number;
  answerWaitMs: number;
  pollMs: number;
  lookupAtMost: number;
  bytecode: Buffer | undefined;
}

/**
 * Polls sock_diag until every socket is classified: once after each probe has had its answer wait
 * (the first probe leaves when the options are set, the others an interval apart), then every
 * `pollMs` while answers are overdue. Each dump of a large table costs tens of milliseconds, so
 * polls in between would only delay the one that decides. A socket's options are put back (through
 * `putBack`) as soon as it is classified.
 */
async function watch(
  live: Live[],
  namespaces: ReadonlyMap<string, NetnsRef>,
  putBack: (ls: readonly Live[]) => void,
  plan: WatchPlan,
): Promise<void> {
  const byNetns = new Map<string, { wanted: Map<string, Live>; families: Set<4 | 6> }>();
  for (const l of live) {
    let m = byNetns.get(l.socket.netns);
    if (!m) {
      m = { wanted: new Map(), families: new Set() };
      byNetns.set(l.socket.netns, m);
    }
    m.wanted.set(l.socket.cookie, l);
    m.families.add(l.socket.family);
  }
  const diags = new Map<string, DiagSocket>();
  try {
    for (const name of byNetns.keys()) {
      const ref = namespaces.get(name);
      if (ref) diags.set(name, DiagSocket.open(ref));
    }
    // A socket that starts sending data stops being probed (the kernel sends no keepalive probe
    // while data is unacknowledged), so the watch has an end of its own.
    const giveUpAt = performance.now() + plan.deadAfterMs + plan.answerWaitMs + 2000;
    let pending = live.length;
    const lastSet = live.reduce((t, l) => Math.max(t, l.startedAt), 0);
    let pollAt = performance.now();
    for (let round = 0; pending > 0; round++) {
      pollAt = nextPoll(live, lastSet, round, pollAt, plan);
      await sleep(Math.max(0, pollAt - performance.now()));
      const stop = plan.signal?.aborted
        ? "the probe was interrupted"
        : performance.now() > giveUpAt
          ? "no probe was answered or left unanswered in time (data in flight?)"
          : undefined;
      if (stop) {
        for (const l of live)
          l.result ??= { socket: l.socket, liveness: "unknown", reason: stop, restored: false };
        break;
      }
      for (const [name, { wanted, families }] of byNetns) {
        const seen = new Set<string>();
        const see = (v: View) => observe(v, wanted, seen, plan);
        const diag = diags.get(name);
        const unclassified = [...wanted.values()].filter((l) => !l.result);
        // A few sockets are looked up one by one (in batches); many, with one dump of the table.
        if (unclassified.length <= plan.lookupAtMost || unclassified.length * 4 <= wanted.size) {
          diag?.lookup(
            unclassified.map((l) => (l.id ??= sockIdOf(l.socket))),
            true,
            see,
          );
        } else {
          for (const family of families) {
            diag?.dump({ family, states: 1 << STATE.ESTABLISHED, info: true, bytecode: plan.bytecode }, see);
          }
        }
        for (const [cookie, l] of wanted) {
          if (!seen.has(cookie) && !l.result) {
            l.result = {
              socket: l.socket,
              liveness: "unknown",
              reason: "closed during the probe",
              restored: false,
            };
          }
        }
      }
      pending = 0;
      const classified: Live[] = [];
      for (const l of live) {
        if (!l.result) pending++;
        else if (!l.putBack) classified.push(l);
      }
      if (classified.length > 0) putBack(classified);
    }
  } finally {
    for (const d of diags.values()) d.close();
  }
}

/**
 * When poll `round` happens: after probe `round`'s answer wait (for the socket set last); from the
 * last probe on, at the earliest deadline of the sockets still pending, at most every `pollMs`. The
 * sockets set first are decided (and put back) while those set last still wait, and what is left
 * when the last deadline passes is a few sockets, not all the dead ones.
 */
function nextPoll(
  live: readonly Live[],
  lastSet: number,
  round: number,
  last: number,
  plan: WatchPlan,
): number {
  const probeRounds = Math.round(plan.deadAfterMs / plan.intervalMs) + 1;
  if (round < probeRounds - 1) return lastSet + round * plan.intervalMs + plan.answerWaitMs;
  let due = Number.POSITIVE_INFINITY;
  for (const l of live) if (!l.result) due = Math.min(due, deadAt(l, plan));
  return round === probeRounds - 1 ? due : Math.max(due, last + plan.pollMs);
}

/**
 * When an unanswered socket counts as dead: its last probe's departure plus the time an answer
 * takes (twice the round trip, four times its variation, and the answer wait). Until the last
 * probe has left, its nominal time: the kernel's timers fire up to an eighth of the interval late.
 */
const deadAt = (l: Live, plan: WatchPlan) =>
  (l.lastProbeAt ?? l.startedAt + plan.deadAfterMs) +
  2 * (l.rttMs ?? 0) +
  4 * (l.rttVarMs ?? 0) +
  plan.answerWaitMs;

type View = Parameters<Parameters<DiagSocket["dump"]>[1]>[0];

function observe(v: View, wanted: Map<string, Live>, seen: Set<string>, plan: WatchPlan): void {
  const cookie = v.cookieText;
  const l = wanted.get(cookie);
  if (!l) return;
  seen.add(cookie);
  if (l.result) return;
  const elapsed = performance.now() - l.startedAt;
  const lastAck = v.lastAckMs;
  const unanswered = Math.max(0, (v.probes ?? 0) - l.probesBefore);
  if (lastAck !== undefined && lastAck < elapsed) {
    l.result = {
      socket: l.socket,
      liveness: "alive",
      answeredMs: Math.max(0, Math.round(elapsed - lastAck)),
      unanswered,
      restored: false,
    };
    return;
  }
  if (v.rttMs !== undefined) l.rttMs = v.rttMs;
  if (v.rttVarMs !== undefined) l.rttVarMs = v.rttVarMs;
  if (unanswered < plan.probes) return;
  // The keepalive timer was re-armed for one interval when the last probe left.
  const now = performance.now();
  if (v.keepaliveArmed && v.expiresMs <= plan.intervalMs) l.lastProbeAt = now + v.expiresMs - plan.intervalMs;
  else l.lastProbeAt ??= now;
  if (now >= deadAt(l, plan)) {
    l.result = { socket: l.socket, liveness: "dead", unanswered, restored: false };
  }
}

/** The classification with what putting the options back achieved. */
function finalResult(l: Live): ProbeResult {
  const result: ProbeResult = l.result ?? {
    socket: l.socket,
    liveness: "unknown",
    reason: "interrupted",
    restored: false,
  };
  return { ...result, ...l.putBack };
}

function journalEntry(s: TcpSocket, before: KeepaliveOptions): JournalEntry {
  return { netns: s.netns, pid: s.pid as number, fd: s.fd as number, inode: s.inode, before };
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
