// Pure netlink framing: encode requests, walk a receive buffer's messages and attributes.
// No syscalls here; every function is tested on byte fixtures.
import { NetlinkError } from "../errors.js";
import { NLM_F_ACK_TLVS, NLM_F_CAPPED, NLMSG_ERROR, NLMSG_HDRLEN, NLMSGERR_ATTR_MSG } from "./structs.js";

export const align4 = (n: number): number => (n + 3) & ~3;

/** Builds one netlink message: header followed by the payload parts, each padded to 4 bytes. */
export function encodeMessage(type: number, flags: number, seq: number, parts: Uint8Array[]): Buffer {
  let len = NLMSG_HDRLEN;
  for (const p of parts) len += align4(p.byteLength);
  const buf = Buffer.alloc(len);
  buf.writeUInt32LE(len, 0);
  buf.writeUInt16LE(type, 4);
  buf.writeUInt16LE(flags, 6);
  buf.writeUInt32LE(seq, 8);
  buf.writeUInt32LE(0, 12);
  let off = NLMSG_HDRLEN;
  for (const p of parts) {
    buf.set(p, off);
    off += align4(p.byteLength);
  }
  return buf;
}

/** Encodes one rtattr (len u16, type u16, payload), padded to 4 bytes. */
export function encodeAttr(type: number, payload: Uint8Array): Buffer {
  const buf = Buffer.alloc(align4(4 + payload.byteLength));
  buf.writeUInt16LE(4 + payload.byteLength, 0);
  buf.writeUInt16LE(type, 2);
  buf.set(payload, 4);
  return buf;
}

/** Called per message with its type, flags, seq and the offset/length of the whole message. */
export type MessageVisitor = (
  type: number,
  flags: number,
  seq: number,
  off: number,
  len: number,
) => boolean | undefined;

/**
 * Walks the messages in buf[0, size). Stops early when the visitor returns true (and returns true).
 * Throws NetlinkError on a header that is short or claims more bytes than were received.
 */
export function forEachMessage(buf: Buffer, size: number, visit: MessageVisitor): boolean {
  for (let off = 0; off < size; ) {
    const len = messageLength(buf, off, size);
    if (visit(buf.readUInt16LE(off + 4), buf.readUInt16LE(off + 6), buf.readUInt32LE(off + 8), off, len)) {
      return true;
    }
    off += align4(len);
  }
  return false;
}

/** The length of the message at `off` (header included), checked against the `size` bytes received. */
export function messageLength(buf: Buffer, off: number, size: number): number {
  if (size - off < NLMSG_HDRLEN) {
    throw new NetlinkError(
      "IDLEREAP_ERR_NETLINK_TRUNCATED",
      `netlink: ${size - off} trailing bytes, shorter than a message header`,
    );
  }
  const len = buf.readUInt32LE(off);
  if (len < NLMSG_HDRLEN || len > size - off) {
    throw new NetlinkError(
      "IDLEREAP_ERR_NETLINK_TRUNCATED",
      `netlink: message at offset ${off} declares ${len} bytes but ${size - off} remain`,
    );
  }
  return len;
}

/** Called per attribute with its type and the offset/length of its payload. */
export type AttrVisitor = (type: number, off: number, len: number) => void;

/** Walks rtattrs in buf[start, end); throws NetlinkError on an attribute that overruns its message. */
export function forEachAttr(buf: Buffer, start: number, end: number, visit: AttrVisitor): void {
  for (let off = start; end - off >= 4; ) {
    const len = attrLength(buf, off, end);
    visit(buf.readUInt16LE(off + 2) & 0x3fff, off + 4, len - 4);
    off += align4(len);
  }
}

/** The length of the rtattr at `off` (header included), checked against `end`. */
export function attrLength(buf: Buffer, off: number, end: number): number {
  const len = buf.readUInt16LE(off);
  if (len < 4 || off + len > end) {
    throw new NetlinkError(
      "IDLEREAP_ERR_NETLINK_MALFORMED",
      `netlink: attribute at offset ${off} declares ${len} bytes but ${end - off} remain`,
    );
  }
  return len;
}

export interface NetlinkErrorInfo {
  /** Positive errno, or 0 for an acknowledgement. */
  errno: number;
  /** The kernel's extended-ack message, when it sent one. */
  message: string | undefined;
}

/** Decodes an NLMSG_ERROR message at `off` (nlmsgerr: error s32, then the offending header). */
export function parseErrorMessage(buf: Buffer, off: number, len: number): NetlinkErrorInfo {
  if (len < NLMSG_HDRLEN + 4) {
    throw new NetlinkError("IDLEREAP_ERR_NETLINK_TRUNCATED", "netlink: error message shorter than its errno");
  }
  // 0 - x, not -x: an acknowledgement is errno 0, not -0.
  const errno = 0 - buf.readInt32LE(off + NLMSG_HDRLEN);
  let message: string | undefined;
  const flags = buf.readUInt16LE(off + 6);
  // With NLM_F_ACK_TLVS the kernel appends attributes after the echoed request (its header only
  // when NLM_F_CAPPED). The echoed length is the sender's, so it is checked like any other length.
  if (flags & NLM_F_ACK_TLVS) {
    const echoAt = NLMSG_HDRLEN + 4;
    if (len < echoAt + NLMSG_HDRLEN) {
      throw new NetlinkError(
        "IDLEREAP_ERR_NETLINK_TRUNCATED",
        `netlink: error message of ${len} bytes with ack attributes but no whole echoed header`,
      );
    }
    const echoed = flags & NLM_F_CAPPED ? NLMSG_HDRLEN : buf.readUInt32LE(off + echoAt);
    if (echoed < NLMSG_HDRLEN || echoed > len - echoAt) {
      throw new NetlinkError(
        "IDLEREAP_ERR_NETLINK_TRUNCATED",
        `netlink: error message echoes ${echoed} bytes but ${len - echoAt} remain`,
      );
    }
    // align4 only after the bound: it works on 32-bit integers.
    const start = off + echoAt + align4(echoed);
    forEachAttr(buf, start, off + len, (type, a, l) => {
      if (type === NLMSGERR_ATTR_MSG) message = buf.toString("utf8", a, a + l).replace(/\0+$/, "");
    });
  }
  return { errno, message };
}

export { NLMSG_ERROR };
