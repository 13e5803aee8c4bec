// idlereap as a library: guard() for Node servers, and the socket table, filters, closing pipeline
// (Reaper) and health report the CLI is built on. The CLI itself is `idlereap` (bin/idlereap.cjs).

export {
  ConfigError,
  ERROR_CODES,
  type ErrorCode,
  FilterError,
  IdlereapError,
  InputError,
  KernelError,
  NetlinkError,
  NetnsNotFoundError,
  SyscallError,
  UsageError,
} from "./errors.js";
export * from "./guard/index.js";
export type { DiagMessageView, SockId } from "./kernel/inet-diag-codec.js";
export { inNetns, type NetnsRef, resolveNetns } from "./kernel/netns.js";
export { DiagSocket } from "./kernel/sock-diag.js";
export type { TcpState, TimerKind } from "./kernel/structs.js";
export { type CgroupInfo, type Owner, sockIdOf, type TcpSocket } from "./model/tcp-socket.js";
export { type PressureReading, type Resource, readPressure } from "./pressure/netns-pressure.js";
export type { Outcome, SkipReason } from "./reap/outcome.js";
export { type KillResult, type KillSpec, Reaper, type ReaperOptions } from "./reap/reaper.js";
export type { Summary } from "./reap/summary.js";
export { buildStatus, type StatusOptions } from "./report/status.js";
export type { NetnsStatus, StatusFinding, StatusReport, StatusSeverity } from "./report/status-report.js";
export { type Collection, type CollectOptions, collectSockets } from "./scan/collect.js";
export { allNamespaces, selectNamespaces } from "./scan/namespaces.js";
export { type NetnsScanResult, type ScanOptions, type ScanVisitor, scanNamespaces } from "./scan/scan.js";
export { compileFilter, type SocketFilter, type SocketFilterSpec } from "./select/socket-filter.js";
export { parseStates, STATE_NAMES } from "./select/states.js";
export { type Duration, formatDuration, parseDuration } from "./util/duration.js";
