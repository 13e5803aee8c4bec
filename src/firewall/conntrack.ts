// Parses `conntrack -L` lines and builds the per-flow update that shortens a flow's timeout.
export interface Flow {
  readonly family: "ipv4" | "ipv6";
  readonly state: string;
  /** Seconds left before conntrack forgets the flow. */
  readonly timeout: number;
  readonly src: string;
  readonly dst: string;
  readonly sport: number;
  readonly dport: number;
}

const LINE =
  /^(ipv4|ipv6)?\s*\d*\s*tcp\s+6\s+(\d+)\s+([A-Z_]+)\s+src=(\S+)\s+dst=(\S+)\s+sport=(\d+)\s+dport=(\d+)/;

export function parseConntrackList(text: string, family: "ipv4" | "ipv6" = "ipv4"): Flow[] {
  const flows: Flow[] = [];
  for (const line of text.split("\n")) {
    const m = LINE.exec(line.trim());
    if (!m) continue;
    flows.push({
      family: (m[1] as "ipv4" | "ipv6" | undefined) ?? family,
      timeout: Number(m[2]),
      state: m[3] as string,
      src: m[4] as string,
      dst: m[5] as string,
      sport: Number(m[6]),
      dport: Number(m[7]),
    });
  }
  return flows;
}

/** conntrack arguments that set one flow's remaining timeout. */
export function updateArgs(f: Flow, seconds: number): string[] {
  return [
    "-U",
    "-f",
    f.family,
    "-p",
    "tcp",
    "-s",
    f.src,
    "-d",
    f.dst,
    "--sport",
    String(f.sport),
    "--dport",
    String(f.dport),
    "--timeout",
    String(seconds),
  ];
}
