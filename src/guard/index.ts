// idlereap/guard: one lifecycle policy for the connections of any Node server (net, http, https,
// http2, ws): idle and max-age closes, keepalive and TCP_USER_TIMEOUT, heartbeat, saturation, drain.
import { Guard } from "./guard.js";
import type { GuardOptions } from "./options.js";
import type { GuardableServer } from "./server-kind.js";

/** Guards a server's connections; throws IDLEREAP_ERR_GUARD_OPTION naming a bad option. */
export function guard(server: GuardableServer, options?: GuardOptions): Guard {
  return new Guard(server, options);
}

export type { CloseReason } from "./conn-state.js";
export { REASONS as CLOSE_REASONS } from "./conn-state.js";
export type { DrainOptions, DrainResult } from "./drain.js";
export { type ConnectionState, Guard, type GuardCloseEvent, type GuardStats } from "./guard.js";
export {
  GUARD_DEFAULTS,
  type GuardMetricsOptions,
  type GuardOptions,
  type HeartbeatOptions,
  type KeepAliveOptions,
  type MetricsRegistry,
  type PressureOptions,
  type SaturationPolicy,
} from "./options.js";
export type { GuardableServer } from "./server-kind.js";
