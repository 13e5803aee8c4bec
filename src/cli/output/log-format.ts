// The daemon's operational log lines (not the audit log, which stays JSON lines): each stamped with
// the time, as text for a terminal or journald, logfmt, or one JSON object a line for log shippers
// such as a Kubernetes node agent.
import { UsageError } from "../../errors.js";

export type LogFormat = "text" | "logfmt" | "json";
export const LOG_FORMATS: readonly LogFormat[] = ["text", "logfmt", "json"];

/** Messages that report something refused or failing are warnings; the rest are information. */
const WARNING = /\b(refused|failed|fail|error|cannot|not scanned)\b/i;

export function parseLogFormat(text: string | undefined): LogFormat {
  if (text === undefined) return "text";
  if ((LOG_FORMATS as readonly string[]).includes(text)) return text as LogFormat;
  throw new UsageError(`--log-format: "${text}" must be text, logfmt or json`, "--log-format");
}

/** logfmt quotes a value holding a blank, a quote or an equals sign, and escapes quotes in it. */
const logfmtValue = (v: string): string => (/[\s"=\\]/.test(v) || v === "" ? JSON.stringify(v) : v);

/** One formatted line (with its newline) for `message` logged at `now`. */
export function formatLogLine(format: LogFormat, message: string, now: Date, component = "run"): string {
  const time = now.toISOString();
  const level = WARNING.test(message) ? "warn" : "info";
  if (format === "json") return `${JSON.stringify({ time, level, component, msg: message })}\n`;
  if (format === "logfmt")
    return `time=${time} level=${level} component=${component} msg=${logfmtValue(message)}\n`;
  return `${time} idlereap ${component}: ${message}\n`;
}

/** A log function for the daemon that writes formatted lines to `stream`. */
export function logger(format: LogFormat, stream: NodeJS.WritableStream): (message: string) => void {
  return (message) => stream.write(formatLogLine(format, message, new Date()));
}
