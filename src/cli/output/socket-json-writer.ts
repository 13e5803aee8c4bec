// The `ls --json` writer. wasm/socket-json.ts, built to WebAssembly, writes each socket's JSON
// straight from the kernel's replies: one call per receive buffer, with the namespace, cgroup and
// owner texts that this class hands it. The text is socketToJson's (a test holds it to that).
//
// The sock_diag dump receives into the module's memory (`buffer`), so a reply is never copied. The
// output collects in the module's window and goes to `onOutput` about a megabyte at a time.
import { NetlinkError } from "../../errors.js";
import { SOCKET_JSON_WASM } from "../../generated/socket-json-wasm.js";
import type { DiagMessageView } from "../../kernel/inet-diag-codec.js";
import type { CgroupInfo } from "../../model/tcp-socket.js";
import { asciiJson } from "./json-stream.js";

// The WebAssembly API that Node has and this project's type libraries (es2023, Node 20) lack.
interface Global {
  readonly value: number;
}
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { readonly exports: unknown };
}
const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

interface Exports {
  readonly memory: { readonly buffer: ArrayBuffer };
  readonly RECV: Global;
  readonly RECV_SIZE: Global;
  readonly STAGE: Global;
  readonly STAGE_SIZE: Global;
  readonly OUT: Global;
  readonly stopAt: Global;
  readonly outEnd: Global;
  readonly written: Global;
  readonly STOPPED: Global;
  readonly FULL: Global;
  setNetns(len: number): void;
  reserveOwners(sockets: number, processes: number, textBytes: number): number;
  indexOwners(sockets: number, processes: number): void;
  clearOwners(): void;
  writeReplies(from: number, n: number, seq: number, at: number): number;
  writeReply(off: number, len: number, at: number): number;
}

const FLUSH_AT = 1 << 20;

let compiled: object | undefined;

export type CgroupResolver = (id: string) => CgroupInfo | undefined;

export class SocketJsonWriter {
  readonly #x: Exports;
  readonly #onOutput: (bytes: Buffer) => void;
  readonly #out: number;
  #memory!: Buffer<ArrayBuffer>;
  #buffer!: Buffer<ArrayBuffer>;
  #at: number;

  /**
   * `onOutput` gets the text in pieces that stay valid only during the call; `cgroup` describes a
   * cgroup id (asked once per id).
   */
  constructor(onOutput: (bytes: Buffer) => void, cgroup: CgroupResolver) {
    compiled ??= new wasm.Module(Buffer.from(SOCKET_JSON_WASM, "base64"));
    const imports = {
      "socket-json": {
        // WebAssembly hands u32 arguments over as signed i32: `>>> 0` makes them unsigned again.
        cgroupSegment: (lo: number, hi: number) => this.#cgroup(cgroup, lo >>> 0, hi >>> 0),
        numberText: (lo: number, hi: number, at: number) =>
          this.#memory.write(String((lo >>> 0) + (hi >>> 0) * 4294967296), at >>> 0, "latin1"),
      },
    };
    this.#x = new wasm.Instance(compiled, imports).exports as unknown as Exports;
    this.#onOutput = onOutput;
    this.#views();
    this.#out = this.#x.OUT.value;
    this.#at = this.#out;
    this.#memory[this.#at++] = 0x5b; // "["
  }

  /** The receive buffer for the sock_diag dump: replies are written from where they arrive. */
  get buffer(): Buffer<ArrayBuffer> {
    return this.#buffer;
  }

  /** Sockets written so far. */
  get written(): number {
    return this.#x.written.value;
  }

  /** Sockets written next belong to the namespace `name`. */
  netns(name: string): void {
    this.#x.setNetns(this.#stage(`{"netns":${asciiJson(name)}`));
  }

  /**
   * Sockets written next get their owner from `sockets`, (inode, pid, fd) triples in walk order
   * (the first triple of an inode wins: the walk goes by ascending pid), with the command of each
   * pid from `commands`. Without `sockets`, they get none (`"pid":null`).
   */
  owners(sockets?: Float64Array, commands?: ReadonlyMap<number, string | undefined>): void {
    if (!sockets) {
      this.#x.clearOwners();
      return;
    }
    let texts = "";
    const procs: number[] = [];
    for (const [pid, command] of commands ?? []) {
      const text = `,"command":${asciiJson(command ?? "")}}`;
      procs.push(pid, texts.length, text.length);
      texts += text;
    }
    const count = Math.floor(sockets.length / 3);
    const processes = procs.length / 3;
    const input = this.#x.reserveOwners(count, processes, texts.length);
    this.#views(); // reserveOwners may grow the memory
    const u32 = new Uint32Array(this.#memory.buffer, input, (count + processes) * 3);
    u32.set(sockets.subarray(0, count * 3));
    u32.set(procs, count * 3);
    this.#memory.write(texts, input + u32.byteLength, "latin1");
    this.#x.indexOwners(count, processes);
  }

  /**
   * Writes the socket replies of dump `seq` among the first `n` bytes of `buffer`, and returns the
   * offset of the first reply it left (the dump's end, an error, a malformed reply), or `n`.
   */
  writeReplies(n: number, seq: number): number {
    let from = 0;
    for (;;) {
      const status = this.#x.writeReplies(from, n, seq, this.#at);
      this.#at = this.#x.outEnd.value;
      from = this.#x.stopAt.value;
      if (status !== this.#x.FULL.value) break;
      this.#flushFull();
    }
    if (this.#at - this.#out >= FLUSH_AT) this.#flush();
    return from;
  }

  /** Writes the one socket of `view`, a reply received into `buffer`. */
  writeView(view: DiagMessageView): void {
    if (view.buf !== this.#buffer)
      throw new Error("SocketJsonWriter: the reply is not in the writer's buffer");
    const off = view.base - 16;
    let status = this.#x.writeReply(off, view.length, this.#at);
    if (status === this.#x.FULL.value) {
      this.#flushFull();
      status = this.#x.writeReply(off, view.length, this.#at);
    }
    if (status === this.#x.STOPPED.value) {
      throw new NetlinkError(
        "IDLEREAP_ERR_NETLINK_MALFORMED",
        "inet_diag: a reply the JSON writer cannot decode",
      );
    }
    this.#at = this.#x.outEnd.value;
    if (this.#at - this.#out >= FLUSH_AT) this.#flush();
  }

  /** Closes the array and hands over the rest. */
  end(): void {
    this.#memory.write(this.written ? "\n]\n" : "]\n", this.#at, "latin1");
    this.#at += this.written ? 3 : 2;
    this.#flush();
  }

  #flushFull(): void {
    if (this.#at === this.#out) throw new Error("SocketJsonWriter: one socket does not fit the window");
    this.#flush();
  }

  #flush(): void {
    if (this.#at > this.#out) this.#onOutput(this.#memory.subarray(this.#out, this.#at));
    this.#at = this.#out;
  }

  /** The cgroup segment of an id, written to the stage for the module; returns its length. */
  #cgroup(resolve: CgroupResolver, lo: number, hi: number): number {
    const id = hi < 0x200000 ? String(hi * 4294967296 + lo) : ((BigInt(hi) << 32n) | BigInt(lo)).toString();
    const cg = resolve(id);
    const s = (x: string | null | undefined) => (x === null || x === undefined ? "null" : asciiJson(x));
    return this.#stage(
      `,"cgroupId":"${id}","cgroup":${s(cg?.path)},"unit":${s(cg?.unit)},"container":${s(cg?.container)},"pod":${s(cg?.pod)}`,
    );
  }

  /** Puts ASCII text on the stage; returns its length. */
  #stage(text: string): number {
    if (text.length > this.#x.STAGE_SIZE.value)
      throw new Error(`SocketJsonWriter: ${text.length} bytes of text`);
    return this.#memory.write(text, this.#x.STAGE.value, "latin1");
  }

  #views(): void {
    const ab = this.#x.memory.buffer;
    this.#memory = Buffer.from(ab);
    this.#buffer = this.#memory.subarray(this.#x.RECV.value, this.#x.RECV.value + this.#x.RECV_SIZE.value);
  }
}
