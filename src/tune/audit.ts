// `tune audit`: what a host or namespace has, what a profile would set, and what it means.
import type { NetnsRef } from "../kernel/netns.js";
import { type KeepaliveCoverage, keepaliveCoverage } from "./keepalive-coverage.js";
import { contradictions, explain } from "./meaning.js";
import type { ProcSys } from "./proc-sys.js";
import type { Profile } from "./profile.js";
import { type Scope, SYSCTLS, sysctlSpec } from "./sysctl-catalog.js";

export interface AuditRow {
  readonly key: string;
  /** The current value, or undefined when the key is absent (older kernel, module not loaded). */
  readonly value: string | undefined;
  readonly profileValue: string | undefined;
  readonly scope: Scope;
  readonly meaning: string | undefined;
}

export interface AuditReport {
  readonly netns: string;
  readonly profile: string | undefined;
  readonly rows: readonly AuditRow[];
  readonly keepalive: (KeepaliveCoverage & { readonly share: number | undefined }) | undefined;
  readonly warnings: readonly string[];
}

export interface AuditOptions {
  readonly procSys: ProcSys;
  readonly profile?: Profile;
  /** Replaces the socket-table reader (tests, or a sock_diag scanner). */
  readonly coverage?: (netns: NetnsRef) => KeepaliveCoverage | undefined;
}

export function audit(opts: AuditOptions): AuditReport {
  const { procSys, profile } = opts;
  const keys = SYSCTLS.map((s) => s.key);
  for (const s of profile?.settings ?? []) if (!keys.includes(s.key)) keys.push(s.key);
  const values = procSys.readMany(keys);
  const wanted = new Map(profile?.settings.map((s) => [s.key, s.value]));
  const rows = keys.map((key) => ({
    key,
    value: values.get(key),
    profileValue: wanted.get(key),
    scope: sysctlSpec(key)?.scope ?? "global",
    meaning: explain(key, values),
  }));
  const cov = (opts.coverage ?? keepaliveCoverage)(procSys.netns);
  const warnings = contradictions(values);
  if (cov && cov.established > 0 && cov.withKeepalive < cov.established) {
    warnings.push(
      `${cov.established - cov.withKeepalive} of ${cov.established} established sockets have no keepalive: the keepalive sysctls do nothing for them (SO_KEEPALIVE or TCP_USER_TIMEOUT in the application does)`,
    );
  }
  return {
    netns: procSys.netns.name,
    profile: profile?.name,
    rows,
    keepalive: cov && { ...cov, share: cov.established ? cov.withKeepalive / cov.established : undefined },
    warnings,
  };
}

export function formatAudit(r: AuditReport): string {
  const out = [`network namespace: ${r.netns}${r.profile ? `   profile: ${r.profile}` : ""}`, ""];
  const w = Math.max(...r.rows.map((x) => x.key.length));
  for (const row of r.rows) {
    const value = row.value ?? "(absent)";
    const want =
      row.profileValue === undefined
        ? ""
        : row.profileValue === row.value
          ? " (= profile)"
          : ` → ${row.profileValue}`;
    out.push(`${row.key.padEnd(w)}  ${value}${want}  [${row.scope}]`);
    if (row.meaning) out.push(`${"".padEnd(w)}    ${row.meaning}`);
  }
  out.push("");
  const k = r.keepalive;
  if (k === undefined) out.push("keepalive coverage: unknown (ss failed)");
  else if (k.share === undefined) out.push("keepalive coverage: no established sockets");
  else
    out.push(
      `keepalive coverage: ${k.withKeepalive} of ${k.established} established sockets (${(k.share * 100).toFixed(1)}%) have keepalive armed`,
    );
  for (const w of r.warnings) out.push(`warning: ${w}`);
  return `${out.join("\n")}\n`;
}
