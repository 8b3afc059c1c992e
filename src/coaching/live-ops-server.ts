// LiveCenter over HTTP: authenticated commands on live calls, each answered with a JSON result.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Logger } from '../logger';
import { authenticate } from './live-ops-auth';
import type { LiveOpsConfig } from './coaching-config';
import type { LiveOpsCommands, OpsResult } from './live-ops-commands';

const MAX_BODY_BYTES = 4096;
const UUID = '[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}';
const RECORDING = new RegExp(`^/v1/calls/(${UUID})/recording$`);
const LISTEN_CALL = new RegExp(`^/v1/calls/(${UUID})/listen$`);
const LISTEN_EXTENSION = /^\/v1\/extensions\/([0-9]{2,10})\/listen$/;

/**
 * Routes:
 *   POST /v1/calls/<call-id>/recording   {"action":"start"|"stop"}
 *   POST /v1/calls/<call-id>/listen
 *   POST /v1/extensions/<ext>/listen
 * Every answer is `{ ok, command, reason, callId?, supervisorLeg? }`.
 */
export class LiveOpsServer {
  private server: Server | undefined;
  private readonly log: Logger;
  port = 0;

  constructor(
    private readonly config: LiveOpsConfig,
    private readonly commands: LiveOpsCommands,
    logger: Logger,
  ) {
    this.log = logger.child({ module: 'live-ops' });
  }

  async listen(): Promise<number> {
    const server = createServer((req, res) => void this.handle(req, res));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.config.port, this.config.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    const address = server.address();
    this.port = typeof address === 'object' && address ? address.port : this.config.port;
    this.log.info(`live operations listening on http://${this.config.host}:${this.port} (${Object.keys(this.config.users).length} user(s))`);
    return this.port;
  }

  async close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      const who = authenticate(this.config, req.headers.authorization);
      if (who === undefined) {
        // The user name is not logged either: a mistyped password sometimes lands in it.
        this.log.warn(`live-ops: unauthenticated ${req.method} ${req.url} from ${req.socket.remoteAddress}`);
        res.setHeader('WWW-Authenticate', 'Basic realm="callwarden", charset="UTF-8"');
        return send(res, { status: 401, ok: false, command: 'authenticate', reason: 'authentication required' });
      }
      if (req.method !== 'POST') return send(res, { status: 405, ok: false, command: `${req.method}`, reason: 'only POST is supported' });
      const path = (req.url ?? '').split('?')[0] ?? '';
      const body = await readJson(req);
      let m: RegExpExecArray | null;
      if ((m = RECORDING.exec(path))) {
        const action = (body as { action?: unknown }).action;
        if (action !== 'start' && action !== 'stop') return send(res, { status: 400, ok: false, command: 'record', callId: m[1], reason: 'body must be {"action":"start"} or {"action":"stop"}' });
        return send(res, await this.commands.record(who, m[1] ?? '', action));
      }
      if ((m = LISTEN_CALL.exec(path))) return send(res, await this.commands.listen(who, { callId: m[1] ?? '' }));
      if ((m = LISTEN_EXTENSION.exec(path))) return send(res, await this.commands.listen(who, { extension: m[1] ?? '' }));
      return send(res, { status: 404, ok: false, command: 'unknown', reason: `no such command: POST ${path}` });
    } catch (err) {
      this.log.error(`live-ops request failed: ${(err as Error).message}`);
      if (!res.headersSent) send(res, { status: 400, ok: false, command: 'unknown', reason: (err as Error).message });
    }
  }
}

function send(res: ServerResponse, result: OpsResult): void {
  const { status, ...body } = result;
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new Error('request body too large');
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8').trim();
  if (text === '') return {};
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new Error('request body is not JSON');
  }
}
