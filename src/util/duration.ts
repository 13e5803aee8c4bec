// The one duration convention: strings with units ("250ms", "30s", "5m", "1h30m", "2d") or plain
// numbers of milliseconds. Everything inside idlereap works in milliseconds.
//
// One rule for every duration (CLI flags, policy files, guard() options):
// - a duration must be finite and at most Number.MAX_SAFE_INTEGER ms, everywhere;
// - a duration that feeds a timer (an interval, a grace period, a timeout) must be at most
//   MAX_TIMER_MS (2^31-1 ms, 24.8 days): Node's setTimeout fires after 1 ms for anything longer, so
//   such a value is refused with a clear message rather than honoured wrongly;
// - a duration that is only compared with a measurement (an idle threshold, an age) may be longer.
import { InputError } from "../errors.js";

export type Duration = string | number;

/** The longest delay a Node timer honours: 2^31-1 ms (24 days, 20 h, 31 m, 23.647 s). */
export const MAX_TIMER_MS = 2 ** 31 - 1;

export interface DurationOptions {
  /** The value feeds a timer: refuse more than MAX_TIMER_MS. */
  readonly timer?: boolean;
}

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const PART = /(\d+(?:\.\d+)?)(ms|s|m|h|d)/y;

/** Parses a duration into milliseconds; `what` names the option in the error message. */
export function parseDuration(value: Duration, what = "duration", opts: DurationOptions = {}): number {
  const ms = parseMs(value, what);
  if (!Number.isFinite(ms) || ms > Number.MAX_SAFE_INTEGER) {
    throw new InputError(
      "IDLEREAP_ERR_DURATION_INVALID",
      `${what}: ${JSON.stringify(value)} is too long to be a duration`,
      what,
    );
  }
  if (opts.timer && ms > MAX_TIMER_MS) {
    throw new InputError(
      "IDLEREAP_ERR_DURATION_INVALID",
      `${what}: ${JSON.stringify(value)} is longer than a timer can wait (at most 24d20h31m23s, 2^31-1 ms)`,
      what,
    );
  }
  return ms;
}

function parseMs(value: Duration, what: string): number {
  if (typeof value === "number") {
    if (Number.isFinite(value) && value >= 0) return value;
    throw invalid(value, what);
  }
  if (typeof value !== "string") throw invalid(value, what);
  const text = value.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Number(text);
  if (text === "") throw invalid(value, what);
  let total = 0;
  PART.lastIndex = 0;
  while (PART.lastIndex < text.length) {
    const start = PART.lastIndex;
    const m = PART.exec(text);
    if (!m || m.index !== start) throw invalid(value, what);
    total += Number(m[1]) * (UNIT_MS[m[2] as string] as number);
  }
  return Math.round(total);
}

function invalid(value: unknown, what: string): InputError {
  return new InputError(
    "IDLEREAP_ERR_DURATION_INVALID",
    `${what}: ${JSON.stringify(value)} is not a duration (use milliseconds or a string like 250ms, 30s, 5m, 1h30m)`,
    what,
  );
}

/** Formats milliseconds the way people read them: 950ms, 42s, 5m12s, 2h11m, 5d. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return "∞";
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return s % 60 ? `${m}m${s % 60}s` : `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 48) return m % 60 ? `${h}h${m % 60}m` : `${h}h`;
  const d = Math.floor(h / 24);
  return h % 24 ? `${d}d${h % 24}h` : `${d}d`;
}
