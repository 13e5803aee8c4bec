// `tune lint`: checks sysctl.conf / sysctl.d files the way `sysctl --system` reads them: files in
// precedence order (by name across directories, the first directory winning a name, /etc/sysctl.conf
// last), later values overriding earlier ones.
import { readdirSync, statSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { ConfigReadError } from "../errors.js";
import { PROC_SYS } from "../proc/sysctl.js";
import { readConfigFile } from "../util/config-file.js";
import { checkValue, folklore, MODULE_PREFIXES, sysctlSpec } from "./sysctl-catalog.js";

export type Severity = "error" | "warning" | "info";

export interface Finding {
  readonly file: string;
  readonly line: number;
  readonly severity: Severity;
  readonly key: string | undefined;
  readonly message: string;
}

export interface SysctlLine {
  readonly line: number;
  readonly key: string;
  readonly value: string;
  /** A leading "-": sysctl ignores a failure to set this key. */
  readonly ignoreErrors: boolean;
}

/** Parses sysctl.conf syntax; lines that are not `key = value` come back as syntax findings. */
export function parseSysctlConf(text: string, file: string): { entries: SysctlLine[]; findings: Finding[] } {
  const entries: SysctlLine[] = [];
  const findings: Finding[] = [];
  text.split("\n").forEach((raw, i) => {
    const line = raw.trim();
    if (line === "" || line.startsWith("#") || line.startsWith(";")) return;
    const eq = line.indexOf("=");
    // An empty key (" = 30") is no setting either: sysctl --system reports it as malformed.
    if (eq < 0 || line.slice(0, eq).replace(/^-/, "").trim() === "") {
      findings.push({
        file,
        line: i + 1,
        severity: "error",
        key: undefined,
        message: `not "key = value": ${line}`,
      });
      return;
    }
    let key = line.slice(0, eq).trim();
    const ignoreErrors = key.startsWith("-");
    if (ignoreErrors) key = key.slice(1).trim();
    entries.push({
      line: i + 1,
      key: normalizeKey(key),
      value: line
        .slice(eq + 1)
        .trim()
        .split(/\s+/)
        .join(" "),
      ignoreErrors,
    });
  });
  return { entries, findings };
}

/** sysctl accepts net/ipv4/tcp_fin_timeout as well; when the first separator is "/", "." is literal. */
export function normalizeKey(key: string): string {
  const slash = key.indexOf("/");
  const dot = key.indexOf(".");
  if (slash >= 0 && (dot < 0 || slash < dot)) return key.split("/").join(".");
  return key;
}

const DIR_RANK = [
  "/etc/sysctl.d",
  "/run/sysctl.d",
  "/usr/local/lib/sysctl.d",
  "/usr/lib/sysctl.d",
  "/lib/sysctl.d",
];

/** Expands directories to their *.conf files and orders files as `sysctl --system` applies them. */
export function precedenceOrder(paths: readonly string[]): { files: string[]; shadowed: Finding[] } {
  const all: string[] = [];
  for (const p of paths.map((x) => resolve(x))) {
    if (statOrThrow(p).isDirectory()) {
      for (const f of readdirSync(p).sort()) if (f.endsWith(".conf")) all.push(join(p, f));
    } else all.push(p);
  }
  const rank = (f: string) => {
    const r = DIR_RANK.indexOf(dirname(f));
    return r < 0 ? DIR_RANK.length : r;
  };
  const isMain = (f: string) => basename(f) === "sysctl.conf" && !dirname(f).endsWith(".d");
  const byName = new Map<string, string>();
  const shadowed: Finding[] = [];
  // Stable: among equal ranks, the file given first wins its name.
  for (const f of [...all].sort((a, b) => rank(a) - rank(b))) {
    const name = isMain(f) ? f : basename(f);
    const winner = byName.get(name);
    if (winner === undefined) byName.set(name, f);
    else
      shadowed.push({
        file: f,
        line: 1,
        severity: "warning",
        key: undefined,
        message: `never read: ${winner} has the same name and takes precedence`,
      });
  }
  const files = [...byName.values()].sort((a, b) => {
    if (isMain(a) !== isMain(b)) return isMain(a) ? 1 : -1;
    return basename(a) < basename(b) ? -1 : basename(a) > basename(b) ? 1 : 0;
  });
  return { files, shadowed };
}

export interface LintOptions {
  /** The /proc/sys root where keys are checked to exist (default /proc/sys). */
  readonly sysRoot?: string;
  readonly exists?: (key: string) => boolean;
}

export function lintFiles(paths: readonly string[], opts: LintOptions = {}): Finding[] {
  const root = opts.sysRoot ?? PROC_SYS;
  const exists = opts.exists ?? ((key: string) => pathExists(join(root, ...key.split("."))));
  const { files, shadowed } = precedenceOrder(paths);
  const findings: Finding[] = [...shadowed];
  const lastSet = new Map<string, { file: string; line: number; value: string }>();
  for (const file of files) {
    if (dirname(file).endsWith("sysctl.d") && !file.endsWith(".conf")) {
      findings.push({
        file,
        line: 1,
        severity: "warning",
        key: undefined,
        message: "sysctl --system reads only *.conf files in this directory",
      });
    }
    const parsed = parseSysctlConf(readConfigFile(file, "sysctl file"), file);
    findings.push(...parsed.findings);
    for (const e of parsed.entries) {
      findings.push(...checkEntry(file, e, exists));
      const prev = lastSet.get(e.key);
      if (prev && prev.value !== e.value) {
        findings.push({
          file,
          line: e.line,
          severity: "warning",
          key: e.key,
          message: `${e.key} = ${e.value} overrides ${prev.value} set at ${prev.file}:${prev.line}`,
        });
      }
      lastSet.set(e.key, { file, line: e.line, value: e.value });
    }
  }
  return findings;
}

function checkEntry(file: string, e: SysctlLine, exists: (key: string) => boolean): Finding[] {
  const at = (severity: Severity, message: string): Finding => ({
    file,
    line: e.line,
    severity,
    key: e.key,
    message,
  });
  const f = folklore(e.key);
  if (f) return [at(f.kind === "no-effect" ? "warning" : "error", `${e.key} ${f.message}`)];
  if (e.key.includes("*")) return [];
  const out: Finding[] = [];
  if (!exists(e.key)) {
    if (MODULE_PREFIXES.some((p) => e.key.startsWith(p))) {
      out.push(
        at(
          "warning",
          `${e.key} does not exist yet on this kernel: it appears when its module loads, and sysctl --system may run before that, leaving the value unset`,
        ),
      );
    } else if (!sysctlSpec(e.key)?.optional) {
      out.push(at(e.ignoreErrors ? "warning" : "error", `unknown key on this kernel: ${e.key}`));
    } else {
      out.push(at("warning", `${e.key} does not exist on this kernel (older kernel?)`));
    }
  }
  const s = sysctlSpec(e.key);
  const problem = s ? checkValue(s, e.value) : null;
  if (problem) out.push(at("error", `${e.key} = ${e.value}: ${problem}`));
  out.push(...folkloreValues(e).map((m) => at("warning", m)));
  return out;
}

/** Values that are valid but rest on a misunderstanding. */
function folkloreValues(e: SysctlLine): string[] {
  const n = Number(e.value);
  switch (e.key) {
    case "net.ipv4.tcp_fin_timeout":
      return n < 60
        ? [
            `tcp_fin_timeout only bounds orphaned FIN_WAIT2 sockets; it does not shorten TIME_WAIT (fixed 60 s)`,
          ]
        : [];
    case "net.ipv4.tcp_max_tw_buckets":
      return n < 10_000
        ? [
            `tcp_max_tw_buckets ${n} destroys TIME_WAIT sockets early instead of fixing their cause (use tcp_tw_reuse, connection reuse)`,
          ]
        : [];
    case "net.ipv4.tcp_keepalive_probes":
      return n === 0 ? ["tcp_keepalive_probes 0 drops a connection on its first unanswered probe"] : [];
    case "net.ipv4.ip_local_port_range": {
      const [lo, hi] = e.value.split(" ").map(Number) as [number, number];
      return lo % 2 === hi % 2
        ? ["ip_local_port_range: the kernel prefers low and high of different parity (one even, one odd)"]
        : [];
    }
    default:
      return [];
  }
}

function statOrThrow(p: string) {
  try {
    return statSync(p);
  } catch (err) {
    throw new ConfigReadError(`cannot read ${p}: ${(err as NodeJS.ErrnoException).code}`);
  }
}

function pathExists(p: string): boolean {
  try {
    statSync(p);
    return true;
  } catch {
    return false;
  }
}

export function formatFindings(findings: readonly Finding[]): string {
  return (
    findings.map((f) => `${f.file}:${f.line}: ${f.severity}: ${f.message}`).join("\n") +
    (findings.length ? "\n" : "")
  );
}
