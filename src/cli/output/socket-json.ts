// A socket object as JSON text, written out field by field: twice as fast as JSON.stringify on 100k
// sockets, and the same text for ASCII input (a test holds it to that). Strings that can carry
// arbitrary text (namespace, cgroup, command) are escaped to ASCII JSON; the rest are known-safe.
// SocketJsonWriter (wasm/socket-json.ts) writes the same text straight from the kernel's replies.
import type { TcpSocket } from "../../model/tcp-socket.js";
import { asciiJson } from "./json-stream.js";

const str = (s: string | null): string => (s === null ? "null" : asciiJson(s));
const num = (v: number | null | undefined): string => (v === null || v === undefined ? "null" : String(v));

export function socketToJson(s: TcpSocket): string {
  return `{"netns":${str(s.netns)},"family":${s.family},"state":"${s.state}","localAddress":"${s.localAddress}","localPort":${s.localPort},"remoteAddress":"${s.remoteAddress}","remotePort":${s.remotePort},"iface":${s.iface},"recvQ":${s.recvQ},"sendQ":${s.sendQ},"idleMs":${num(s.idleMs)},"lastSendMs":${num(s.lastSendMs)},"lastRecvMs":${num(s.lastRecvMs)},"lastAckMs":${num(s.lastAckMs)},"probes":${num(s.probes)},"deadPeerMs":${num(s.deadPeerMs)},"rttMs":${num(s.rttMs)},"unacked":${num(s.unacked)},"retransmits":${num(s.retransmits)},"totalRetrans":${num(s.totalRetrans)},"notsentBytes":${num(s.notsentBytes)},"bytesAcked":${num(s.bytesAcked)},"bytesReceived":${num(s.bytesReceived)},"timer":"${s.timer}","timerExpiresMs":${s.timerExpiresMs},"keepalive":${s.keepalive},"inode":${s.inode},"cookie":"${s.cookie}","uid":${s.uid},"cgroupId":${s.cgroupId === null ? "null" : `"${s.cgroupId}"`},"cgroup":${str(s.cgroup)},"unit":${str(s.unit)},"container":${str(s.container)},"pod":${str(s.pod)},"pid":${num(s.pid)},"fd":${num(s.fd)},"holders":${s.holders},"command":${str(s.command)}}`;
}
