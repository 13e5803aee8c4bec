// The one definition of a dead peer, used by `status`, `ls`/`kill` (--dead-peer-over), the daemon's
// `deadPeer`/`unacked` condition and the Reaper: how long the peer has left sent data or probes unanswered.

/**
 * What the definition reads; a kernel reply (DiagMessageView) and a listed socket (TcpSocket) both
 * have it. undefined/null: tcp_info did not carry the field.
 */
export interface DeadPeerSignals {
  /** Segments sent and not acknowledged (tcpi_unacked). */
  readonly unacked: number | null | undefined;
  /** Time since the last ACK from the peer (tcpi_last_ack_recv), ms. */
  readonly lastAckMs: number | null | undefined;
  /** Retransmissions of the current segment (tcpi_retransmits): an RTO ran out. */
  readonly retransmits: number | null | undefined;
  /** Keepalive or zero-window probes out and unanswered (tcpi_probes). */
  readonly probes?: number | null | undefined;
}

/**
 * How long the peer has not answered, in ms: the time since its last ACK while data sent is
 * unacknowledged past a retransmission timeout, or while keepalive probes are unanswered; 0 when
 * neither holds (nothing is waiting for the peer, so silence says nothing); undefined without tcp_info.
 *
 * The clock is the last ACK received, not the last data sent: every retransmission refreshes
 * last_data_sent, so a dead peer with data queued looks busy by that clock. A retransmission is
 * required because a segment is unacknowledged for an RTT on every healthy connection; the cost is
 * that after a long silence, the first lost segment shows the whole silence until it is acknowledged.
 */
export function deadPeerMs(s: DeadPeerSignals): number | undefined {
  const lastAck = s.lastAckMs;
  if (lastAck === undefined || lastAck === null) return undefined;
  if ((s.probes ?? 0) > 0) return lastAck;
  const unacked = s.unacked;
  if (unacked === undefined || unacked === null) return undefined;
  if (unacked > 0 && (s.retransmits ?? 0) > 0) return lastAck;
  return 0;
}

/** Whether the peer has not answered for at least `thresholdMs` (see deadPeerMs). */
export function isDeadPeer(s: DeadPeerSignals, thresholdMs: number): boolean {
  const ms = deadPeerMs(s);
  return ms !== undefined && ms > 0 && ms >= thresholdMs;
}

/**
 * The threshold under which a socket counts as a dead peer where no threshold is given (the Reaper's
 * choice of abort, status): the peer has stayed silent for this long with something waiting for it.
 */
export const DEAD_PEER_DEFAULT_MS = 30_000;
