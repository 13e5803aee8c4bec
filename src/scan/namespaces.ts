// Which network namespaces a command looks at: the one it runs in by default, named or given by path, or
// every distinct one on the machine ("all"), each once.
import { CURRENT_NETNS, type NetnsRef, resolveNetns } from "../kernel/netns.js";
import { listNetns } from "../proc/netns-inventory.js";

export function selectNamespaces(specs: readonly string[] | undefined, procRoot?: string): NetnsRef[] {
  if (!specs || specs.length === 0) return [resolveNetns(CURRENT_NETNS)];
  const out = new Map<number, NetnsRef>();
  for (const spec of specs) {
    const refs = spec === "all" ? allNamespaces(procRoot) : [resolveNetns(spec)];
    for (const ref of refs) if (!out.has(ref.inode)) out.set(ref.inode, ref);
  }
  return [...out.values()];
}

export function allNamespaces(procRoot?: string): NetnsRef[] {
  return listNetns(procRoot ? { procRoot } : {}).map((e) => ({
    name: e.host ? "host" : (e.name ?? e.path),
    path: e.current ? null : e.path,
    inode: e.inode,
  }));
}
