// Wire layouts and constants of the kernel's netlink and inet_diag interfaces, in one place.
// Sources: include/uapi/linux/netlink.h, inet_diag.h, sock_diag.h, tcp.h (Linux 6.18).

/** Address families and the TCP protocol number (socket.h, in.h). */
export const AF_INET = 2;
export const AF_INET6 = 10;
export const IPPROTO_TCP = 6;

/** struct nlmsghdr (netlink.h): len u32, type u16, flags u16, seq u32, pid u32. */
export const NLMSG_HDRLEN = 16;
export const NLMSG_NOOP = 1;
export const NLMSG_ERROR = 2;
export const NLMSG_DONE = 3;
export const NLM_F_REQUEST = 0x1;
export const NLM_F_MULTI = 0x2;
export const NLM_F_ACK = 0x4;
export const NLM_F_DUMP = 0x300;
export const NLM_F_DUMP_INTR = 0x10;
export const NLMSGERR_ATTR_MSG = 1;
export const NLM_F_ACK_TLVS = 0x200;
export const NLM_F_CAPPED = 0x100;

/** sock_diag.h */
export const NETLINK_SOCK_DIAG = 4;
export const SOCK_DIAG_BY_FAMILY = 20;
export const SOCK_DESTROY = 21;
/**
 * inet_diag.h: the older request for TCP sockets (struct inet_diag_req). The kernel answers it with
 * family AF_UNSPEC (inet_diag_dump_compat), so one walk of its socket tables gives IPv4 and IPv6.
 */
export const TCPDIAG_GETSOCK = 18;

/** struct inet_diag_sockid (inet_diag.h): 48 bytes. */
export const SOCKID = {
  size: 48,
  sport: 0, // __be16
  dport: 2, // __be16
  src: 4, // __be32[4]
  dst: 20, // __be32[4]
  if: 36, // u32
  cookie: 40, // u32[2]
} as const;

/** struct inet_diag_req (inet_diag.h), the TCPDIAG_GETSOCK request: 60 bytes. */
export const REQ_V1 = {
  size: 60,
  family: 0,
  ext: 3,
  id: 4,
  states: 52,
} as const;

/** struct inet_diag_req_v2 (inet_diag.h): 56 bytes. */
export const REQ_V2 = {
  size: 56,
  family: 0,
  protocol: 1,
  ext: 2,
  pad: 3,
  states: 4,
  id: 8,
} as const;

/** struct inet_diag_msg (inet_diag.h): 72 bytes, followed by rtattrs. */
export const DIAG_MSG = {
  size: 72,
  family: 0,
  state: 1,
  timer: 2,
  retrans: 3,
  id: 4,
  expires: 52,
  rqueue: 56,
  wqueue: 60,
  uid: 64,
  inode: 68,
} as const;

/** enum of inet_diag attributes (INET_DIAG_*). */
export const INET_DIAG_REQ_BYTECODE = 1;
export const INET_DIAG_MEMINFO = 1;
export const INET_DIAG_INFO = 2;
export const INET_DIAG_SHUTDOWN = 8;
export const INET_DIAG_MARK = 15;
export const INET_DIAG_CGROUP_ID = 21;
export const INET_DIAG_SOCKOPT = 22;

/** Bytecode op codes (enum INET_DIAG_BC_*). struct inet_diag_bc_op: code u8, yes u8, no u16. */
export const BC = {
  NOP: 0,
  JMP: 1,
  S_GE: 2,
  S_LE: 3,
  D_GE: 4,
  D_LE: 5,
  AUTO: 6,
  S_COND: 7,
  D_COND: 8,
  DEV_COND: 9,
  MARK_COND: 10,
  S_EQ: 11,
  D_EQ: 12,
  CGROUP_COND: 13,
} as const;

/** struct tcp_info (tcp.h) byte offsets; the struct grows with kernel versions, so each field has an end. */
export const TCP_INFO = {
  state: 0, // u8
  retransmits: 2, // u8
  probes: 3, // u8
  backoff: 4, // u8
  rto: 8, // u32 µs
  unacked: 24, // u32
  lost: 32, // u32
  lastDataSent: 44, // u32 ms
  lastDataRecv: 52, // u32 ms
  lastAckRecv: 56, // u32 ms
  rtt: 68, // u32 µs
  rttvar: 72, // u32 µs
  totalRetrans: 100, // u32
  bytesAcked: 120, // u64
  bytesReceived: 128, // u64
  notsentBytes: 144, // u32
  bytesSent: 200, // u64
  bytesRetrans: 208, // u64
} as const;

/** TCP states as the kernel numbers them (include/net/tcp_states.h). */
export const TCP_STATES = [
  "unknown",
  "established",
  "syn-sent",
  "syn-recv",
  "fin-wait-1",
  "fin-wait-2",
  "time-wait",
  "close",
  "close-wait",
  "last-ack",
  "listen",
  "closing",
  "new-syn-recv",
] as const;
/** Kernel state numbers of the states the code tests for. */
export const STATE = {
  ESTABLISHED: 1,
  FIN_WAIT2: 5,
  TIME_WAIT: 6,
  CLOSE_WAIT: 8,
  LISTEN: 10,
} as const;
/** The state numbers a dump can report: 1 (established) to 11 (closing). */
export const STATE_MIN = 1;
export const STATE_MAX = 11;
export type TcpState = Exclude<(typeof TCP_STATES)[number], "unknown" | "new-syn-recv">;
export const ALL_STATES_MASK = 0xfff;

/** inet_diag_msg.idiag_timer values. */
export const TIMERS = ["off", "retransmit", "keepalive", "time-wait", "probe"] as const;
export type TimerKind = (typeof TIMERS)[number];
/** The highest idiag_timer value inet_diag sets (zero-window probe). */
export const TIMER_MAX = 4;
