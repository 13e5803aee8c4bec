// inode → pid of a kept owner walk as one open-addressing table of typed arrays: grouping, sorting or
// filtering by process looks up every socket of the dump, and a Map of 100k entries with an object
// each costs several cache misses a lookup where this costs about one.
export class InodeTable {
  private readonly inodes: Uint32Array;
  private readonly pids: Int32Array;
  private readonly mask: number;
  private readonly shift: number;

  constructor(entries: Iterable<[inode: number, pid: number]>, size: number) {
    let bits = 4;
    while (1 << bits < size * 2 && bits < 30) bits++;
    const capacity = 1 << bits;
    this.shift = 32 - bits;
    this.inodes = new Uint32Array(capacity);
    this.pids = new Int32Array(capacity);
    this.mask = capacity - 1;
    for (const [inode, pid] of entries) if (inode !== 0) this.set(inode, pid);
  }

  /** The pid holding socket `inode`, or undefined (0 is never a socket's inode). */
  get(inode: number): number | undefined {
    if (inode === 0) return undefined;
    for (let i = this.slot(inode); ; i = (i + 1) & this.mask) {
      const at = this.inodes[i] as number;
      if (at === inode) return this.pids[i];
      if (at === 0) return undefined;
    }
  }

  private set(inode: number, pid: number): void {
    let i = this.slot(inode);
    while (this.inodes[i] !== 0 && this.inodes[i] !== inode) i = (i + 1) & this.mask;
    this.inodes[i] = inode;
    this.pids[i] = pid;
  }

  /** Fibonacci hashing (the product's top bits): inodes are often consecutive, and this spreads them. */
  private slot(inode: number): number {
    return Math.imul(inode, 0x9e3779b1) >>> this.shift;
  }
}
