// Remembers when the daemon first saw each socket (by cookie), for `age` matches and for reporting a
// socket once rather than on every scan. Entries not seen in a scan are dropped after it.
export class SeenTracker {
  private readonly first = new Map<string, number>();
  private readonly lastGeneration = new Map<string, number>();
  private generation = 0;

  /** Starts a scan: entries not touched until `endScan` are forgotten then. */
  beginScan(): void {
    this.generation++;
  }

  /** Marks the socket as seen now; returns how long ago it was first seen (0 the first time). */
  touch(cookie: string, now: number): number {
    this.lastGeneration.set(cookie, this.generation);
    const first = this.first.get(cookie);
    if (first === undefined) {
      this.first.set(cookie, now);
      return 0;
    }
    return now - first;
  }

  has(cookie: string): boolean {
    return this.first.has(cookie);
  }

  endScan(): void {
    for (const [cookie, g] of this.lastGeneration) {
      if (g !== this.generation) {
        this.lastGeneration.delete(cookie);
        this.first.delete(cookie);
      }
    }
  }

  get size(): number {
    return this.first.size;
  }
}
