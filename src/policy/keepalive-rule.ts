// A rule's `keepalive` section as the kernel will apply it: the timers in whole seconds (as
// TCP_KEEPIDLE/INTVL take them) and the user timeout resolved by model/keepalive.ts, with the
// warning for an explicit user timeout that replaces the count.
import { resolveUserTimeout } from "../model/keepalive.js";
import type { KeepaliveSettings } from "../reap/defaults.js";
import type { Policy, Rule } from "./policy-schema.js";

export interface ResolvedKeepalive {
  settings: KeepaliveSettings;
  /** What the kernel will really do when an explicit userTimeout changes the outcome; null otherwise. */
  warning: string | null;
}

const seconds = (ms: number) => Math.max(1, Math.round(ms / 1000)) * 1000;

export function resolveKeepalive(k: Rule["keepalive"]): ResolvedKeepalive {
  const timers = { idleMs: seconds(k.idle), intervalMs: seconds(k.interval), count: Math.max(1, k.count) };
  const resolved = resolveUserTimeout(timers, k.userTimeout);
  return { settings: { ...timers, userTimeoutMs: resolved.userTimeoutMs }, warning: resolved.warning };
}

export interface PolicyWarning {
  /** The key at fault, e.g. rules[2].keepalive.userTimeout. */
  key: string;
  message: string;
}

/** Warnings of a valid policy: settings the kernel will carry out differently from how they read. */
export function policyWarnings(policy: Policy): PolicyWarning[] {
  const out: PolicyWarning[] = [];
  policy.rules.forEach((rule, i) => {
    if (rule.action !== "keepalive") return;
    const { warning } = resolveKeepalive(rule.keepalive);
    if (warning)
      out.push({ key: `rules[${i}].keepalive.userTimeout`, message: `rule ${rule.name}: ${warning}` });
  });
  return out;
}
