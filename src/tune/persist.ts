// The sysctl.d file `tune apply --persist` writes: one `key = value` per setting, each with a
// comment saying why, in the format `sysctl --system` reads at boot.
import { lstatSync } from "node:fs";
import { InputError } from "../errors.js";
import { readConfigFile } from "../util/config-file.js";
import type { Profile } from "./profile.js";

export const DEFAULT_PERSIST_FILE = "/etc/sysctl.d/90-idlereap.conf";

/**
 * What the persist file holds now (null: absent). Anything but a regular file there (a directory,
 * a FIFO, a link) is refused before anything changes: it is replaced atomically, never written into.
 */
export function currentPersisted(file: string): string | null {
  let kind: string | undefined;
  try {
    const st = lstatSync(file);
    if (st.isFile()) return readConfigFile(file, "--persist file");
    kind = st.isDirectory() ? "a directory" : st.isSymbolicLink() ? "a symbolic link" : "not a regular file";
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return null;
    if (err instanceof InputError) throw err;
    kind = `unreadable (${(err as NodeJS.ErrnoException).code})`;
  }
  throw new InputError(
    "IDLEREAP_ERR_CLI_USAGE",
    `--persist: ${file} is ${kind}; name the sysctl.d file to write, like /etc/sysctl.d/90-idlereap.conf; nothing was changed`,
    "--persist",
  );
}

/** `values` holds the value to persist per key (a capacity limit already above its floor keeps its own). */
export function renderSysctlConf(
  profile: Profile,
  values: ReadonlyMap<string, string>,
  created: string,
): string {
  const lines = [
    `# Written by idlereap tune apply --profile ${profile.name} at ${created}.`,
    `# ${profile.description}`,
    "# Undo with: idlereap tune rollback",
  ];
  for (const s of profile.settings) {
    const value = values.get(s.key);
    if (value === undefined) continue;
    lines.push("", `# ${oneLine(s.reason)}`, `# source: ${oneLine(s.source)}`);
    if (value !== s.value) lines.push(`# kept at ${value}, above the profile's ${s.value}`);
    lines.push(`${s.key} = ${value}`);
  }
  return `${lines.join("\n")}\n`;
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, " ").trim();
}
