// A socket as JSON text, written out field by field: twice as fast as JSON.stringify on 100k
// sockets, and the same text for ASCII input (tests hold both forms to that). Strings that can carry
// arbitrary text (namespace, cgroup, command) are escaped to ASCII JSON; the rest are known-safe.
// The view form writes straight from the kernel's reply, so `ls --json` builds no object per socket;
// its owner part comes last so it can be appended once the /proc walk is done.
import type { DiagMessageView } from "../../kernel/inet-diag-codec.js";
import type { CgroupInfo, SocketOwner, TcpSocket } from "../../model/tcp-socket.js";
import { asciiJson } from "./json-stream.js";

const str = (s: string | null): string => (s === null ? "null" : asciiJson(s));
const num = (v: number | null | undefined): string => (v === null || v === undefined ? "null" : String(v));

export function socketToJson(s: TcpSocket): string {
  return `{"netns":${str(s.netns)},"family":${s.family},"state":"${s.state}","localAddress":"${s.localAddress}","localPort":${s.localPort},"remoteAddress":"${s.remoteAddress}","remotePort":${s.remotePort},"iface":${s.iface},"recvQ":${s.recvQ},"sendQ":${s.sendQ},"idleMs":${num(s.idleMs)},"lastSendMs":${num(s.lastSendMs)},"lastRecvMs":${num(s.lastRecvMs)},"lastAckMs":${num(s.lastAckMs)},"rttMs":${num(s.rttMs)},"unacked":${num(s.unacked)},"retransmits":${num(s.retransmits)},"totalRetrans":${num(s.totalRetrans)},"notsentBytes":${num(s.notsentBytes)},"bytesAcked":${num(s.bytesAcked)},"bytesReceived":${num(s.bytesReceived)},"timer":"${s.timer}","timerExpiresMs":${s.timerExpiresMs},"keepalive":${s.keepalive},"inode":${s.inode},"cookie":"${s.cookie}","uid":${s.uid},"cgroupId":${s.cgroupId === null ? "null" : `"${s.cgroupId}"`},"cgroup":${str(s.cgroup)},"unit":${str(s.unit)},"container":${str(s.container)},"pod":${str(s.pod)},"pid":${num(s.pid)},"fd":${num(s.fd)},"command":${str(s.command)}}`;
}

const LISTEN = 10;

/** Everything of `socketFromView(v, ...)` as JSON text up to (not including) the owner fields. */
export function viewJsonHead(v: DiagMessageView, netnsJson: string, cg: CgroupInfo | undefined): string {
  const timed = v.stateNumber !== LISTEN;
  const cgId = v.cgroupIdText;
  return `{"netns":${netnsJson},"family":${v.family},"state":"${v.state}","localAddress":"${v.localAddress}","localPort":${v.localPort},"remoteAddress":"${v.remoteAddress}","remotePort":${v.remotePort},"iface":${v.iface},"recvQ":${v.recvQ},"sendQ":${v.sendQ},"idleMs":${timed ? num(v.idleMs) : "null"},"lastSendMs":${timed ? num(v.lastSendMs) : "null"},"lastRecvMs":${timed ? num(v.lastRecvMs) : "null"},"lastAckMs":${timed ? num(v.lastAckMs) : "null"},"rttMs":${num(v.rttMs)},"unacked":${num(v.unacked)},"retransmits":${num(v.retransmits)},"totalRetrans":${num(v.totalRetrans)},"notsentBytes":${num(v.notsentBytes)},"bytesAcked":${num(v.bytesAcked)},"bytesReceived":${num(v.bytesReceived)},"timer":"${v.timer}","timerExpiresMs":${v.expiresMs},"keepalive":${v.timerNumber === 2},"inode":${v.inode},"cookie":"${v.cookieText}","uid":${v.uid},"cgroupId":${cgId === undefined ? "null" : `"${cgId}"`},"cgroup":${cg ? str(cg.path) : "null"},"unit":${cg ? str(cg.unit) : "null"},"container":${cg ? str(cg.container) : "null"},"pod":${cg ? str(cg.pod) : "null"}`;
}

/** The owner fields and the closing brace. */
export function ownerJsonTail(owner: SocketOwner | undefined): string {
  return owner === undefined
    ? `,"pid":null,"fd":null,"command":null}`
    : `,"pid":${owner.pid},"fd":${owner.fd},"command":${asciiJson(owner.command)}}`;
}
