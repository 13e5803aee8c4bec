import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { nonTcpSocketInodes, parseInodeColumn } from "../../src/proc/socket-inodes.js";

// Rows as Linux 6.18 prints them (trimmed pointers).
const UNIX = `Num       RefCount Protocol Flags    Type St Inode Path
00000000461ceae9: 00000003 00000000 00000000 0001 03 7285423
0000000012345678: 00000002 00000000 00010000 0001 01 24611 /run/systemd/notify
`;
const UDP = `   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops
  123: 3500007F:0035 00000000:0000 07 00000000:00000000 00:00000000 00000000   101        0 18544 2 0000000000000000 0
`;
const NETLINK = `sk               Eth Pid        Groups   Rmem     Wmem     Dump  Locks    Drops    Inode
000000002fdf052e 0   0          00000000 0        0        0     2        0        4
0000000010208fd9 4   0          00000000 0        0        0     2        0        1431
`;
const PACKET = `sk               RefCnt Type Proto  Iface R Rmem   User   Inode
00000000b1a2c3d4 3      3    0003   2     1 0      0      99120
`;

test("reads the inode column of each /proc/net table and skips the header and zeros", () => {
  assert.deepEqual([...parseInodeColumn(UNIX, 6)], [7285423, 24611]);
  assert.deepEqual([...parseInodeColumn(UDP, 9)], [18544]);
  assert.deepEqual([...parseInodeColumn(NETLINK, 9)], [4, 1431]);
  assert.deepEqual([...parseInodeColumn(PACKET, 8)], [99120]);
  assert.deepEqual([...parseInodeColumn("header only\n", 6)], []);
  assert.deepEqual([...parseInodeColumn("h\nshort row\n0: a b c d e notanumber\n", 6)], []);
});

const root = mkdtempSync(join(tmpdir(), "idlereap-net-"));
after(() => rmSync(root, { recursive: true, force: true }));

test("gathers every table of a process's namespace; missing tables are skipped", () => {
  mkdirSync(join(root, "42", "net"), { recursive: true });
  writeFileSync(join(root, "42", "net", "unix"), UNIX);
  writeFileSync(join(root, "42", "net", "udp6"), UDP);
  writeFileSync(join(root, "42", "net", "netlink"), NETLINK);
  writeFileSync(join(root, "42", "net", "packet"), PACKET);
  assert.deepEqual(
    [...nonTcpSocketInodes(42, root)].sort((a, b) => a - b),
    [4, 1431, 18544, 24611, 99120, 7285423],
  );
  assert.equal(nonTcpSocketInodes(43, root).size, 0, "a vanished process gives an empty set");
});
