import assert from "node:assert/strict";
import { test } from "node:test";
import { deadPeerMs, isDeadPeer } from "../../src/model/dead-peer.js";

test("a dead peer is measured from its last ACK, only while data or probes wait for it", () => {
  // Data retransmitting (an RTO ran out): the last ACK is the clock, whatever last_data_sent says.
  assert.equal(deadPeerMs({ unacked: 12, lastAckMs: 40_000, retransmits: 5 }), 40_000);
  // Keepalive probes out and unanswered.
  assert.equal(deadPeerMs({ unacked: 0, lastAckMs: 9000, retransmits: 0, probes: 2 }), 9000);
  // Quiet: nothing waits for the peer, so silence says nothing.
  assert.equal(deadPeerMs({ unacked: 0, lastAckMs: 3_600_000, retransmits: 0, probes: 0 }), 0);
  // In flight for less than an RTO: every healthy connection looks like this for an RTT.
  assert.equal(deadPeerMs({ unacked: 3, lastAckMs: 600_000, retransmits: 0 }), 0);
  // No tcp_info.
  assert.equal(deadPeerMs({ unacked: undefined, lastAckMs: undefined, retransmits: undefined }), undefined);
  assert.equal(deadPeerMs({ unacked: null, lastAckMs: null, retransmits: null }), undefined);
});

test("isDeadPeer holds at the threshold and never for a socket with nothing outstanding", () => {
  const s = { unacked: 1, lastAckMs: 3000, retransmits: 2 };
  assert.equal(isDeadPeer(s, 3000), true);
  assert.equal(isDeadPeer(s, 3001), false);
  assert.equal(isDeadPeer({ unacked: 0, lastAckMs: 10_000, retransmits: 0 }, 0), false);
});
