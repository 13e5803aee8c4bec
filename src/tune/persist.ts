// The sysctl.d file `tune apply --persist` writes: one `key = value` per setting, each with a
// comment saying why, in the format `sysctl --system` reads at boot.
import type { Profile } from "./profile.js";

export const DEFAULT_PERSIST_FILE = "/etc/sysctl.d/90-idlereap.conf";

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
