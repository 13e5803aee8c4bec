// Serves the registry at /metrics over plain HTTP on one address (127.0.0.1 by default).
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Registry } from "prom-client";
import { IdlereapError } from "../errors.js";

export interface MetricsServer {
  /** "host:port" actually bound (the port is chosen by the kernel when 0 was asked for). */
  readonly address: string;
  close(): Promise<void>;
}

export function parseListen(listen: string): { host: string; port: number } {
  const m = /^\[?([^\]]*)\]?:(\d+)$/.exec(listen);
  if (!m || Number(m[2]) > 65535) {
    throw new IdlereapError("IDLEREAP_ERR_METRICS_LISTEN", `metrics.listen: "${listen}" is not address:port`);
  }
  return { host: m[1] as string, port: Number(m[2]) };
}

export async function startMetricsServer(registry: Registry, listen: string): Promise<MetricsServer> {
  const { host, port } = parseListen(listen);
  const server: Server = createServer((req, res) => {
    if (req.method !== "GET" || (req.url !== "/metrics" && req.url !== "/")) {
      res.writeHead(404).end("not found\n");
      return;
    }
    if (req.url === "/") {
      res.writeHead(200, { "content-type": "text/plain" }).end("idlereap: metrics at /metrics\n");
      return;
    }
    registry.metrics().then(
      (body) => res.writeHead(200, { "content-type": registry.contentType }).end(body),
      (err: unknown) => res.writeHead(500).end(`${String(err)}\n`),
    );
  });
  server.keepAliveTimeout = 5000;
  server.headersTimeout = 10_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", (err) =>
      reject(
        new IdlereapError(
          "IDLEREAP_ERR_METRICS_LISTEN",
          `metrics: cannot listen on ${listen}: ${err.message}`,
        ),
      ),
    );
    server.listen(port, host, () => resolve());
  });
  const bound = server.address() as AddressInfo;
  const address =
    bound.family === "IPv6" ? `[${bound.address}]:${bound.port}` : `${bound.address}:${bound.port}`;
  return {
    address,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
