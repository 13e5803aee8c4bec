// The Guard: attaches to a server, tracks each connection in one small state object, runs every
// deadline on one timer wheel, and reports closes as events, stats and metrics.
import { EventEmitter } from "node:events";
import type { Server as HttpServer, IncomingMessage } from "node:http";
import type { Socket } from "node:net";
import type { Registry } from "prom-client";
import type { WebSocket } from "ws";
import { IdlereapError } from "../errors.js";
import { parseDuration } from "../util/duration.js";
import { checkConnection, scheduleNext } from "./conn-check.js";
import { isBusy } from "./conn-close.js";
import { ConnList } from "./conn-list.js";
import {
  type CloseReason,
  ConnState,
  F_CLOSING,
  F_RETIRING,
  KIND_HTTP,
  KIND_MASK,
  kState,
  R_DEAD_PEER,
  REASONS,
  stateOf,
} from "./conn-state.js";
import { type DrainOptions, type DrainResult, retireAll, stopAccepting, waitForEmpty } from "./drain.js";
import type { GuardContext } from "./guard-context.js";
import { GuardMetrics } from "./guard-metrics.js";
import {
  announceKeepAlive,
  coordinateHttpTimeouts,
  serverOnRequest,
  serverOnSession,
  serverOnStream,
} from "./http-hooks.js";
import { type GuardOptions, optionError, type ResolvedGuardOptions, resolveOptions } from "./options.js";
import { PressureGauge } from "./pressure.js";
import { admit } from "./saturation.js";
import { describeServer, type GuardableServer, type ServerPlan } from "./server-kind.js";
import { applySocketOptions } from "./socket-options.js";
import { nowMs, TimerWheel } from "./timer-wheel.js";
import { adoptWebSocket } from "./websocket-heartbeat.js";

export interface GuardCloseEvent {
  reason: CloseReason;
  /** Time since the last activity guard saw, in milliseconds. */
  idleMs: number;
  /** Time since the connection was accepted, in milliseconds. */
  ageMs: number;
  socket: Socket;
}

export type ConnectionState = "active" | "idle" | "half-closed" | "closing";

export interface GuardStats {
  /** Connections tracked now. */
  connections: number;
  byState: Record<ConnectionState, number>;
  /** Connections closed (or found dead) by guard since it started, by reason. */
  closed: Record<CloseReason, number>;
  accepted: number;
  rejected: number;
  /** idleTimeout in force after pressure scaling, in milliseconds (0: off). */
  idleTimeoutMs: number;
  /** The factor resource pressure applies to idleTimeout (1: no pressure). */
  pressureScale: number;
}

interface GuardEvents {
  close: [GuardCloseEvent];
}

/**
 * Returned by guard(). Its public API is on("close"), drain(), stats() and stop(); the other public
 * members serve guard's own per-connection functions (GuardContext) and are marked @internal.
 */
export class Guard extends EventEmitter<GuardEvents> implements GuardContext {
  /** @internal */
  readonly opts: ResolvedGuardOptions;
  /** @internal */
  readonly wheel: TimerWheel<ConnState>;
  /** @internal */
  readonly conns = new ConnList();
  /** @internal */
  readonly checkEvery: number;
  /** @internal */
  idleMs: number;
  /** @internal */
  closing = 0;
  readonly #plan: ServerPlan;
  readonly #closed: number[] = REASONS.map(() => 0);
  #accepted = 0;
  #rejected = 0;
  #draining: Promise<DrainResult> | null = null;
  readonly #pressure: PressureGauge | null;
  readonly #metrics: GuardMetrics | null;

  constructor(server: GuardableServer, options?: GuardOptions) {
    super();
    this.#plan = describeServer(server);
    this.opts = resolveOptions(options);
    this.idleMs = this.opts.idleTimeout;
    this.checkEvery = checkInterval(this.opts);
    this.wheel = new TimerWheel<ConnState>(
      tickFor(this.opts, this.checkEvery),
      (s, now) => this.onDue(s, now),
      this.opts.pressure ? (now) => this.#onTick(now) : undefined,
    );
    this.#pressure = this.opts.pressure ? new PressureGauge(this.opts.pressure) : null;
    this.#metrics = this.#createMetrics();
    const warning = this.opts.userTimeoutWarning;
    if (warning !== null)
      process.emitWarning(warning, { type: "IdlereapWarning", code: "IDLEREAP_GUARD_USER_TIMEOUT" });
    this.#attach();
  }

  /** @internal */
  onDue(s: ConnState, now: number): void {
    checkConnection(this, s, now);
  }

  /** @internal */
  record(s: ConnState, reason: number, now: number): void {
    s.reason = reason;
    this.#closed[reason] = (this.#closed[reason] ?? 0) + 1;
    const name = REASONS[reason] as CloseReason;
    this.#metrics?.closed(name);
    this.emit("close", { reason: name, idleMs: now - s.activeAt, ageMs: now - s.bornAt, socket: s.socket });
  }

  /** @internal */
  rejectedOne(): void {
    this.#rejected++;
    this.#metrics?.rejected();
  }

  /** Stops accepting, lets in-flight work finish, and destroys what is left after `grace`. */
  drain(options: DrainOptions = {}): Promise<DrainResult> {
    if (this.#draining) return this.#draining;
    const grace =
      options.grace === undefined ? 10_000 : parseDuration(options.grace, "drain.grace", { timer: true });
    this.retiringHttp(1);
    const started = retireAll(this);
    stopAccepting(this.#plan);
    this.#draining = waitForEmpty(this, grace, started);
    return this.#draining;
  }

  stats(): GuardStats {
    this.sweep();
    const byState: Record<ConnectionState, number> = { active: 0, idle: 0, "half-closed": 0, closing: 0 };
    const now = nowMs();
    for (let s = this.conns.head; s !== null; s = s.listNext) byState[stateName(this, s, now)]++;
    const closed = Object.fromEntries(REASONS.map((r, i) => [r, this.#closed[i] ?? 0])) as Record<
      CloseReason,
      number
    >;
    return {
      connections: this.conns.size,
      byState,
      closed,
      accepted: this.#accepted,
      rejected: this.#rejected,
      idleTimeoutMs: this.idleMs,
      pressureScale: this.#pressure?.scale ?? 1,
    };
  }

  /** @internal Forgets every connection whose socket is already destroyed. */
  sweep(): void {
    for (let s = this.conns.head; s !== null; ) {
      const next = s.listNext;
      if (s.socket.destroyed) this.forget(s);
      s = next;
    }
  }

  /** @internal Starts tracking a socket; returns its state, or null when it was refused. */
  track(socket: Socket, kind: number): ConnState | null {
    const existing = stateOf(socket);
    if (existing !== undefined) return existing;
    const now = nowMs();
    if (this.#draining) {
      socket.destroy();
      return null;
    }
    if (!admit(this, socket, now)) return null;
    const s = new ConnState(socket, kind, now);
    (socket as unknown as { [kState]: ConnState })[kState] = s;
    if (this.opts.maxAge > 0) s.retireAt = now + jittered(this.opts.maxAge, this.opts.maxAgeJitter);
    this.conns.push(s);
    this.#accepted++;
    this.#metrics?.accepted();
    scheduleNext(this, s, now, false);
    return s;
  }

  /** @internal Drops a destroyed connection: at its next check, at most checkEvery after it closed. */
  forget(s: ConnState): void {
    this.wheel.cancel(s);
    if (!this.conns.remove(s)) return;
    if (s.flags & F_RETIRING && (s.flags & KIND_MASK) === KIND_HTTP) this.retiringHttp(-1);
    if (s.flags & (F_CLOSING | F_RETIRING)) this.closing--;
    else if (s.reason < 0 && (s.socket.errored as NodeJS.ErrnoException | null)?.code === "ETIMEDOUT") {
      this.record(s, R_DEAD_PEER, nowMs());
    }
  }

  /** @internal */
  adopt(ws: WebSocket, req: IncomingMessage): void {
    let s = stateOf(req.socket) ?? null;
    if (s === null) {
      // noServer mode: guard sees this socket for the first time.
      if (this.#socketOptions) this.#socketOptions = applySocketOptions(req.socket, this.opts);
      s = this.track(req.socket, this.#plan.kind);
    }
    if (s === null) return;
    const now = nowMs();
    adoptWebSocket(s, ws, now);
    if (this.#draining) ws.close(1001, "server shutting down");
    else scheduleNext(this, s, now, false);
  }

  /**
   * Stops guarding: listeners come off the server, the wheel stops, and connections stay open as
   * they are, unguarded. The server may then be guarded again.
   */
  stop(): void {
    const { server, wss } = this.#plan;
    for (const s of this.conns.toArray()) {
      this.wheel.cancel(s);
      this.conns.remove(s);
      (s.socket as unknown as { [kState]: ConnState | undefined })[kState] = undefined;
    }
    this.closing = 0;
    this.wheel.stop();
    if (server !== null) {
      server.off("connection", this.#onConnection).off("secureConnection", this.#onSecureConnection);
      server.off("session", serverOnSession).off("stream", serverOnStream).off("request", serverOnRequest);
      this.#unannounce?.();
      this.#unannounce = null;
    }
    wss?.off("connection", this.#onWebSocket);
    for (const holder of [server, wss])
      if (holder) (holder as unknown as Record<symbol, unknown>)[kGuarded] = undefined;
    this.#retiringHttp = 0;
  }

  readonly #onConnection = (socket: Socket): void => {
    if (this.#socketOptions) this.#socketOptions = applySocketOptions(socket, this.opts);
    if (!this.#plan.tls) this.track(socket, this.#plan.kind);
  };

  readonly #onSecureConnection = (socket: Socket): void => {
    this.track(socket, this.#plan.kind);
  };

  readonly #onWebSocket = (ws: WebSocket, req: IncomingMessage): void => {
    this.adopt(ws, req);
  };

  #attach(): void {
    const { server, tls, http, http2, wss } = this.#plan;
    const holders = [server, wss].filter((h) => h !== null) as unknown as Record<symbol, unknown>[];
    if (holders.some((h) => h[kGuarded] !== undefined)) {
      throw new IdlereapError("IDLEREAP_ERR_GUARD_SERVER", "guard(): this server is already guarded");
    }
    for (const h of holders) h[kGuarded] = this;
    if (server !== null) {
      // An HTTP/2 server opens its session inside its own listener of these events, and a net
      // server's handler should see its socket with keepalive set: guard comes first there. On
      // HTTP/1 it comes last: the symbol it adds to each socket then follows the properties Node's
      // HTTP server adds, and their layout (and speed) stays as without guard.
      const add = http && !http2 ? "on" : "prependListener";
      server[add]("connection", this.#onConnection);
      if (tls) server[add]("secureConnection", this.#onSecureConnection);
      if (http && !http2) coordinateHttpTimeouts(server as HttpServer, this.opts);
      // HTTP/1 with idleTimeout on: every response announces how long guard keeps the connection.
      if (http && !http2 && this.opts.idleTimeout > 0)
        this.#unannounce = announceKeepAlive(server as HttpServer, this);
      if (http2) server.on("session", serverOnSession).on("stream", serverOnStream);
    }
    if (wss !== null) wss.on("connection", this.#onWebSocket);
  }

  /** Takes the Keep-Alive hint off the server's responses again (stop()). */
  #unannounce: (() => void) | null = null;
  /** Cleared when the server turns out not to be TCP (a Unix socket): setsockopt is not tried again. */
  #socketOptions = true;
  #retiringHttp = 0;
  /**
   * @internal
   * The 'request' hook that answers retiring connections with `Connection: close` is on only while
   * some HTTP/1 connection is retiring (or a drain runs): requests pay nothing for it otherwise.
   */
  retiringHttp(delta: number): void {
    const server = this.#plan.server;
    if (server === null || !this.#plan.http || this.#plan.http2) return;
    const before = this.#retiringHttp;
    this.#retiringHttp += delta;
    if (before === 0 && this.#retiringHttp > 0) server.prependListener("request", serverOnRequest);
    if (before > 0 && this.#retiringHttp === 0) server.off("request", serverOnRequest);
  }

  #onTick(now: number): void {
    const p = this.#pressure;
    if (p === null || !p.update(now)) return;
    this.idleMs = Math.round(this.opts.idleTimeout * p.scale);
  }

  #createMetrics(): GuardMetrics | null {
    const m = this.opts.metrics;
    if (m === null) return null;
    try {
      return new GuardMetrics(m.registry as Registry, m.prefix, {
        connectionsByState: () => this.stats().byState,
        idleTimeoutMs: () => this.idleMs,
      });
    } catch (e) {
      throw optionError("metrics.registry", (e as Error).message);
    }
  }
}

/** Marks a server (or WebSocketServer) as guarded, so that it is not guarded twice. */
const kGuarded: unique symbol = Symbol("idlereap.guard.server");

function stateName(g: Guard, s: ConnState, now: number): ConnectionState {
  if (s.flags & (F_CLOSING | F_RETIRING)) return "closing";
  if (s.halfAt > 0) return "half-closed";
  if (isBusy(s) || now - s.activeAt <= activeWindow(g)) return "active";
  return "idle";
}

/** Activity this recent makes a connection count as active in stats: up to 1s, less for short timeouts. */
function activeWindow(g: Guard): number {
  const half = g.opts.idleTimeout > 0 ? g.opts.idleTimeout / 2 : 1000;
  return Math.min(1000, Math.max(2 * g.checkEvery, half));
}

/** maxAge × (1 ± jitter), spread uniformly so that connections made together do not end together. */
export function jittered(maxAge: number, jitter: number): number {
  return Math.max(1, Math.round(maxAge * (1 + jitter * (2 * Math.random() - 1))));
}

/**
 * Counters are compared every ~2% of idleTimeout (or of halfCloseTimeout when idle closing is off),
 * so activity is noticed that late at most.
 */
export function checkInterval(o: ResolvedGuardOptions): number {
  const base = o.idleTimeout > 0 ? o.idleTimeout : o.halfCloseTimeout;
  if (base === 0) return 1000;
  return Math.min(5000, Math.max(5, Math.floor(base / 50)));
}

/** The wheel's tick: a fraction of the shortest deadline, between 5ms and 1s. */
export function tickFor(o: ResolvedGuardOptions, checkEvery: number): number {
  const candidates = [checkEvery / 4];
  if (o.heartbeat) candidates.push(o.heartbeat.interval / 20, o.heartbeat.timeout / 20);
  if (o.maxAge > 0) candidates.push(o.maxAge / 20);
  if (o.halfCloseTimeout > 0) candidates.push(o.halfCloseTimeout / 50);
  return Math.min(1000, Math.max(5, Math.floor(Math.min(...candidates))));
}
