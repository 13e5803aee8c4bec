// Every error idlereap throws: one base class with a stable `code` that users match on.
// Codes read IDLEREAP_ERR_<AREA>_<WHAT>; each is documented in docs/errors.md (a test checks).

export const ERROR_CODES = {
  IDLEREAP_ERR_SYSCALL: "A libc call failed; `errno` and `syscall` say which and why.",
  IDLEREAP_ERR_PERMISSION: "The operation needs a privilege idlereap does not have (root or a capability).",
  IDLEREAP_ERR_NETLINK_TRUNCATED: "A netlink message was shorter than its header or declared length.",
  IDLEREAP_ERR_NETLINK_MALFORMED: "A netlink message or attribute could not be decoded.",
  IDLEREAP_ERR_NETLINK_KERNEL: "The kernel answered a netlink request with an error.",
  IDLEREAP_ERR_NETLINK_TIMEOUT: "The kernel did not finish a netlink dump in time.",
  IDLEREAP_ERR_NETNS_NOT_FOUND: "The named network namespace does not exist.",
  IDLEREAP_ERR_NETNS_ENTER: "Entering a network namespace failed.",
  IDLEREAP_ERR_DURATION_INVALID:
    "A duration was not a number of milliseconds or a string like 250ms, 30s, 5m, 1h30m.",
  IDLEREAP_ERR_FILTER_INVALID: "A socket filter (state, port, CIDR, ...) is not valid.",
  IDLEREAP_ERR_CLI_USAGE: "A command-line flag or argument is not valid.",
  IDLEREAP_ERR_CONFIG_INVALID:
    "A configuration or policy file is not valid; the message names file, line and key.",
  IDLEREAP_ERR_CONFIG_READ: "A configuration or policy file could not be read.",
  IDLEREAP_ERR_CONFIG_FILE:
    "A configuration, policy, profile or sysctl file is not a regular file (a FIFO, device or directory) or is larger than the size cap; it was not read.",
  IDLEREAP_ERR_REAP_UNSUPPORTED: "The kernel cannot destroy sockets (CONFIG_INET_DIAG_DESTROY is off).",
  IDLEREAP_ERR_REAP_PIDFD: "Duplicating another process's descriptor with pidfd_getfd was refused.",
  IDLEREAP_ERR_REAP_IDENTITY: "A socket changed identity between the scan and the action.",
  IDLEREAP_ERR_TUNE_UNKNOWN_KEY: "A sysctl key does not exist on this kernel.",
  IDLEREAP_ERR_TUNE_VALUE: "A sysctl value is out of range or malformed.",
  IDLEREAP_ERR_TUNE_WRITE: "Writing a sysctl failed; what was written before it has been restored.",
  IDLEREAP_ERR_TUNE_GLOBAL_KEY: "A global key would change the whole host from inside a non-host namespace.",
  IDLEREAP_ERR_TUNE_PROFILE: "A tuning profile is not valid or not found.",
  IDLEREAP_ERR_TUNE_BACKUP:
    "A tuning backup is missing, not valid (keys, values and paths are checked like any input), or not for the target namespace.",
  IDLEREAP_ERR_FIREWALL_TOOL_MISSING: "The nft or conntrack tool is not installed.",
  IDLEREAP_ERR_FIREWALL_APPLY: "nft refused the ruleset idlereap generated.",
  IDLEREAP_ERR_FIREWALL_READ: "Reading idlereap's nftables table or the conntrack flows failed.",
  IDLEREAP_ERR_GUARD_OPTION: "An option passed to guard() is not valid; the message names it.",
  IDLEREAP_ERR_GUARD_SERVER: "guard() was given something that is not a supported server.",
  IDLEREAP_ERR_METRICS_LISTEN: "The metrics endpoint could not listen on the address asked for.",
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export class IdlereapError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/** A libc call failed; carries errno and the call's name. */
export class SyscallError extends IdlereapError {
  readonly errno: number;
  readonly syscall: string;
  constructor(syscall: string, errno: number, detail?: string) {
    const name = errnoName(errno);
    const code: ErrorCode =
      errno === ERRNO.EPERM || errno === ERRNO.EACCES ? "IDLEREAP_ERR_PERMISSION" : "IDLEREAP_ERR_SYSCALL";
    super(code, `${syscall} failed: ${name} (${errno})${detail ? `: ${detail}` : ""}`);
    this.errno = errno;
    this.syscall = syscall;
  }
}

export class NetlinkError extends IdlereapError {}

/** What a user without the privileges idlereap needs is told, in every permission error. */
export const PERMISSION_HINT = "run as root, or with CAP_NET_ADMIN, CAP_SYS_PTRACE, CAP_SYS_ADMIN";

/** The operation needs root or a capability this process lacks; the message names what is missing. */
export class PermissionError extends IdlereapError {
  constructor(what: string, options?: ErrorOptions) {
    super("IDLEREAP_ERR_PERMISSION", `${what}: permission denied (${PERMISSION_HINT})`, options);
  }
}

/** The kernel answered NLMSG_ERROR with a negative errno. */
export class KernelError extends NetlinkError {
  readonly errno: number;
  constructor(errno: number, context: string) {
    super("IDLEREAP_ERR_NETLINK_KERNEL", `${context}: kernel answered ${errnoName(errno)} (${errno})`);
    this.errno = errno;
  }
}

/** A user-supplied value (flag, option, config key) is not valid. */
export class InputError extends IdlereapError {
  readonly key: string | undefined;
  constructor(code: ErrorCode, message: string, key?: string) {
    super(code, message);
    this.key = key;
  }
}

/** A command-line flag or argument is not valid (exit 2). */
export class UsageError extends InputError {
  constructor(message: string, key?: string) {
    super("IDLEREAP_ERR_CLI_USAGE", message, key);
  }
}

/** A socket filter (state, port, prefix) is not valid. */
export class FilterError extends InputError {
  constructor(message: string, key?: string) {
    super("IDLEREAP_ERR_FILTER_INVALID", message, key);
  }
}

/** A network namespace named by the user does not exist, or went away (exit 2 when it reaches the CLI). */
export class NetnsNotFoundError extends InputError {
  constructor(message: string, options?: ErrorOptions) {
    super("IDLEREAP_ERR_NETNS_NOT_FOUND", message, "netns");
    if (options?.cause !== undefined) this.cause = options.cause;
  }
}

/** A config or policy file is not valid: carries the file, line and key at fault. */
export class ConfigError extends IdlereapError {
  readonly file: string | undefined;
  readonly line: number | undefined;
  readonly key: string | undefined;
  constructor(message: string, where: { file?: string; line?: number; key?: string } = {}) {
    const at = [where.file, where.line !== undefined ? `line ${where.line}` : undefined, where.key]
      .filter((p) => p !== undefined)
      .join(": ");
    super("IDLEREAP_ERR_CONFIG_INVALID", at ? `${at}: ${message}` : message);
    this.file = where.file;
    this.line = where.line;
    this.key = where.key;
  }
}

/** A configuration path is not a regular file, or is too large: refused without reading it. */
export class ConfigFileError extends InputError {
  constructor(file: string, message: string) {
    super("IDLEREAP_ERR_CONFIG_FILE", message, file);
  }
}

/** A configuration, policy or profile file the user named is missing or unreadable (exit 2). */
export class ConfigReadError extends InputError {
  constructor(message: string, options?: ErrorOptions) {
    super("IDLEREAP_ERR_CONFIG_READ", message);
    if (options?.cause !== undefined) this.cause = options.cause;
  }
}

/** A tuning profile is not valid, not a name, or not found (exit 2: the user's to fix). */
export class TuneProfileError extends InputError {
  constructor(message: string) {
    super("IDLEREAP_ERR_TUNE_PROFILE", message, "--profile");
  }
}

/** A tuning backup is missing, not valid, or not for the namespace asked for. */
export class TuneBackupError extends InputError {
  constructor(message: string) {
    super("IDLEREAP_ERR_TUNE_BACKUP", message);
  }
}

/** The errno numbers idlereap tests for, by name (Linux, all architectures it runs on). */
export const ERRNO = Object.freeze({
  EPERM: 1,
  ENOENT: 2,
  ESRCH: 3,
  EINTR: 4,
  EBADF: 9,
  EAGAIN: 11,
  ENOMEM: 12,
  EACCES: 13,
  EBUSY: 16,
  EEXIST: 17,
  EINVAL: 22,
  EMFILE: 24,
  ENOSYS: 38,
  EPROTO: 71,
  ENOTSOCK: 88,
  EPROTONOSUPPORT: 93,
  EOPNOTSUPP: 95,
  EAFNOSUPPORT: 97,
  ECONNABORTED: 103,
  ECONNRESET: 104,
  ENOTCONN: 107,
  ETIMEDOUT: 110,
});

const ERRNO_NAMES = new Map<number, string>(Object.entries(ERRNO).map(([name, n]) => [n, name]));

export function errnoName(errno: number): string {
  return ERRNO_NAMES.get(errno) ?? `errno ${errno}`;
}
