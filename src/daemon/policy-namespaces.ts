// The namespaces a policy names, resolved for one cycle: each distinct one once ("all" picks up new
// ones); a name that does not resolve is reported and skipped, and only when none is left is the
// cycle's namespace part a failure.
import type { NetnsRef } from "../kernel/netns.js";
import { selectNamespaces } from "../scan/namespaces.js";

export interface PolicyNamespaces {
  namespaces: NetnsRef[];
  /** The specs that did not resolve. */
  failed: string[];
}

export function resolvePolicyNamespaces(
  specs: readonly string[],
  onFailure: (spec: string, err: Error) => void,
): PolicyNamespaces {
  const found: NetnsRef[] = [];
  const failed: string[] = [];
  for (const spec of specs) {
    try {
      found.push(...selectNamespaces([spec]));
    } catch (err) {
      failed.push(spec);
      onFailure(spec, err as Error);
    }
  }
  return { namespaces: [...new Map(found.map((n) => [n.inode, n])).values()], failed };
}

/** The cycle cannot go on: every namespace named failed to resolve. */
export function noNamespaceLeft(r: PolicyNamespaces): Error | undefined {
  return r.failed.length > 0 && r.namespaces.length === 0
    ? new Error(`no namespace to scan (${r.failed.join(", ")})`)
    : undefined;
}
