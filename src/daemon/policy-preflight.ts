// What `run` needs of a policy beyond its schema, checked before anything acts and without creating
// or changing anything: the audit file can be opened for append, and every namespace named is a
// network namespace. `run --check`, the start and every SIGHUP reload run the same checks.
import { accessSync, closeSync, constants, existsSync, lstatSync, openSync } from "node:fs";
import { dirname, isAbsolute } from "node:path";
import { ConfigError } from "../errors.js";
import { CURRENT_NETNS, NETNS_RUN_DIR, resolveNetns } from "../kernel/netns.js";
import type { Policy } from "../policy/policy-schema.js";

/** Throws a ConfigError naming the key at fault; returns warnings (namespaces not there yet). */
export function preflightPolicy(policy: Policy, file?: string): string[] {
  const where = (key: string) => (file === undefined ? { key } : { file, key });
  if (policy.audit.file !== undefined) {
    const why = auditProblem(policy.audit.file);
    if (why) throw new ConfigError(why, where("audit.file"));
  }
  const warnings: string[] = [];
  policy.namespaces.forEach((spec, i) => {
    const r = namespaceProblem(spec);
    if (r?.fatal) throw new ConfigError(r.message, where(`namespaces[${i}]`));
    if (r) warnings.push(`namespaces[${i}]: ${r.message}`);
  });
  return warnings;
}

/** Why the audit log could not be opened for append (O_NOFOLLOW, regular files), or undefined. */
function auditProblem(path: string): string | undefined {
  try {
    const st = lstatSync(path);
    if (st.isSymbolicLink()) return `${path} is a symbolic link, which the audit log never follows`;
    if (st.isDirectory()) return `${path} is a directory, not a file`;
    if (!st.isFile()) return `${path} is not a regular file`;
    // Opening for append without O_CREAT changes nothing, and asks the file system itself (root's
    // access() says yes to files that /proc or a read-only mount then refuse).
    closeSync(
      openSync(path, constants.O_WRONLY | constants.O_APPEND | constants.O_NOFOLLOW | constants.O_NONBLOCK),
    );
    return undefined;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== "ENOENT") return `cannot open ${path} for append: ${(err as Error).message}`;
  }
  // Missing: it will be created, with its directories, under the nearest existing ancestor.
  let dir = dirname(path);
  while (!existsSync(dir) && dirname(dir) !== dir) dir = dirname(dir);
  try {
    if (!lstatSync(dir).isDirectory()) return `cannot create ${path}: ${dir} is not a directory`;
    accessSync(dir, constants.W_OK);
  } catch (err) {
    return `cannot create ${path}: ${(err as Error).message}`;
  }
  return undefined;
}

/** A namespace spec that can never work (fatal), or one that is not there yet (a warning). */
function namespaceProblem(spec: string): { fatal: boolean; message: string } | undefined {
  if (spec === "all" || spec === "host" || spec === CURRENT_NETNS) return undefined;
  if (spec.includes("/") && !isAbsolute(spec)) {
    return {
      fatal: true,
      message: `"${spec}" is neither a name under ${NETNS_RUN_DIR} nor an absolute path`,
    };
  }
  if (spec === "." || spec === "..") {
    return { fatal: true, message: `"${spec}" is not a network namespace name` };
  }
  const path = spec.includes("/") ? spec : `${NETNS_RUN_DIR}/${spec}`;
  if (!existsSync(path)) {
    return {
      fatal: false,
      message: `network namespace "${spec}" not found (${path}); skipped until it appears`,
    };
  }
  try {
    resolveNetns(spec);
  } catch (err) {
    return { fatal: true, message: (err as Error).message };
  }
  return undefined;
}
