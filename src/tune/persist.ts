// The sysctl.d file `tune apply --persist` writes: one `key = value` per setting, each with a
// comment saying why, in the format `sysctl --system` reads at boot.
import type { Profile } from "./profile.js";

export const DEFAULT_PERSIST_FILE = "/etc/sysctl.d/90-idlereap.conf";

export function renderSysctlConf(profile: Profile, keys: ReadonlySet<string>, created: string): string {
  const lines = [
    `# Written by idlereap tune apply --profile ${profile.name} at ${created}.`,
    `# ${profile.description}`,
    "# Undo with: idlereap tune rollback",
  ];
  for (const s of profile.settings) {
    if (!keys.has(s.key)) continue;
    lines.push("", `# ${oneLine(s.reason)}`, `# source: ${oneLine(s.source)}`, `${s.key} = ${s.value}`);
  }
  return `${lines.join("\n")}\n`;
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, " ").trim();
}
