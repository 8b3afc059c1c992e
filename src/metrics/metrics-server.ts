// The scrape listener: one GET /metrics for Prometheus on its own small node:http server (machines, not people).

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../logger';
import type { DaemonMetrics } from './daemon-metrics';
import type { MetricsConfig } from './metrics-config';

/**
 * Deliberately not the people's HTTP server (src/web/): one fixed route for a scraper, no
 * sessions, no pages, no body read, bound to loopback by default. What it shows are counts and
 * gauges with bounded labels — no call id, number, user or secret. Anything else is 404/405;
 * slow or many clients are cut off (short timeouts, few connections), and an error while
 * answering is a 500, never the process's end.
 */
export class MetricsServer {
  private readonly server: Server;
  private readonly log: Logger;

  constructor(
    private readonly metrics: DaemonMetrics,
    private readonly config: MetricsConfig,
    logger: Logger,
  ) {
    this.log = logger.child({ module: 'metrics' });
    this.server = createServer((req, res) => {
      const path = (req.url ?? '').split('?')[0];
      if (path !== '/metrics') {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
        return;
      }
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain' }).end('method not allowed\n');
        return;
      }
      this.metrics.scrape().then(
        ({ contentType, body }) => res.writeHead(200, { 'content-type': contentType, 'cache-control': 'no-store' }).end(req.method === 'HEAD' ? undefined : body),
        (err: Error) => {
          this.log.warn(`metrics scrape failed: ${err.message}`);
          if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
          res.end('scrape failed\n');
        },
      );
    });
    this.server.headersTimeout = 5000;
    this.server.requestTimeout = 10_000;
    this.server.keepAliveTimeout = 5000;
    this.server.maxConnections = 16;
    this.server.on('clientError', (_err, socket) => socket.destroy());
  }

  /** Resolves with the port it listens on. */
  async listen(): Promise<number> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.config.port, this.config.host, () => {
        this.server.off('error', reject);
        // Once listening, a socket-level failure is logged, never the process's end.
        this.server.on('error', (err) => this.log.warn(`metrics listener: ${err.message}`));
        resolve();
      });
    });
    const port = (this.server.address() as AddressInfo).port;
    this.log.info(`metrics on http://${this.config.host}:${port}/metrics`);
    return port;
  }

  async close(): Promise<void> {
    if (!this.server.listening) return;
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
