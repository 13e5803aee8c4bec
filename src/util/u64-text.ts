// A kernel u64 (socket cookie, cgroup id) in decimal, read from a buffer: as a double when it fits
// one exactly (nearly always), so that the common case makes no BigInt.
export function u64Text(buf: Buffer, off: number): string {
  const hi = buf.readUInt32LE(off + 4);
  if (hi < 0x200000) return String(buf.readUInt32LE(off) + hi * 4294967296);
  return buf.readBigUInt64LE(off).toString();
}
