// idlereap as a library: guard() for Node servers, and the socket table, filters and health report
// the CLI is built on. The CLI itself is `idlereap` (bin/idlereap.cjs).

export {
  ConfigError,
  ERROR_CODES,
  type ErrorCode,
  IdlereapError,
  InputError,
  KernelError,
  NetlinkError,
  SyscallError,
} from "./errors.js";
export * from "./guard/index.js";
export type { DiagMessageView, SockId } from "./kernel/inet-diag-codec.js";
export { inNetns, type NetnsRef, resolveNetns } from "./kernel/netns.js";
export { DiagSocket } from "./kernel/sock-diag.js";
export type { TcpState, TimerKind } from "./kernel/structs.js";
export { type CgroupInfo, type SocketOwner, sockIdOf, type TcpSocket } from "./model/tcp-socket.js";
export { compileFilter, type SocketFilter, type SocketFilterSpec } from "./policy/socket-filter.js";
export { parseStates, STATE_NAMES } from "./policy/states.js";
export type { Finding, Severity } from "./report/findings.js";
export { type PressureReading, type Resource, readPressure } from "./report/pressure.js";
export { buildStatus, type NetnsStatus, type StatusOptions, type StatusReport } from "./report/status.js";
export { type Collection, type CollectOptions, collectSockets } from "./scan/collect.js";
export { allNamespaces, selectNamespaces } from "./scan/namespaces.js";
export { type NetnsScanResult, type ScanOptions, type ScanVisitor, scanNamespaces } from "./scan/scan.js";
export { type Duration, formatDuration, parseDuration } from "./util/duration.js";
