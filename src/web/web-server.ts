// The one HTTP server for people: fastify with security headers, origin/content-type/CSRF guards, authentication, and the route modules.

import { readFileSync } from 'node:fs';
import fastifyCookie from '@fastify/cookie';
import fastifyHelmet from '@fastify/helmet';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Knex } from 'knex';
import type { CoachingConfig, LiveOpsConfig, RecordingControl } from '../coaching';
import type { Daemon } from '../daemon';
import type { Logger } from '../logger';
import { mayAgentReview, selfReviewGroups, type GroupSettings } from '../policies';
import type { CallRecord } from '../store';
import type { StoreRepository } from '../store';
import type { StoreTables } from '../store/store-tables';
import type { AccessLog } from './access-log';
import { CallShares } from './call-shares';
import { LiveOperations } from './live-operations';
import { LoginThrottle } from './login-throttle';
import { agentRoutes } from './routes/agent-routes';
import { auditRoutes } from './routes/audit-routes';
import { callRoutes } from './routes/call-routes';
import { holdRoutes } from './routes/hold-routes';
import { liveRoutes } from './routes/live-routes';
import { pageRoutes } from './routes/page-routes';
import { recordingRoutes } from './routes/recording-routes';
import { sessionRoutes } from './routes/session-routes';
import type { UserDirectory } from './user-directory';
import { WebAuth, sendRefusal, headerValue } from './web-auth';
import type { WebConfig } from './web-config';
import { inScope, scopeOf, type Scope, type WebUser } from './web-roles';
import { WebSessions, type WebSession } from './web-sessions';

declare module 'fastify' {
  interface FastifyRequest {
    user?: WebUser;
    webSession?: WebSession;
  }
}

export interface WebServerDeps {
  readonly config: WebConfig;
  readonly liveOps: LiveOpsConfig;
  readonly coaching: CoachingConfig;
  /** Where recordings live; a file outside it is never served, whatever its row says. */
  readonly recordingDir: string;
  /** The recording groups (for each call's GDPR Art. 6 legal basis in the API, the page and the export). */
  readonly recordingGroups?: Readonly<Record<string, GroupSettings>>;
  readonly knex: Knex;
  readonly tables: StoreTables;
  readonly repository: StoreRepository;
  readonly users: UserDirectory;
  readonly accessLog: AccessLog;
  /** The running daemon for the live view and live actions; absent in a back-office-only server. */
  readonly live?: { readonly daemon: Daemon; readonly recording: RecordingControl };
  readonly logger: Logger;
  readonly now?: () => number;
}

/** What every route module gets: the deps plus the request helpers. */
export interface WebContext extends WebServerDeps {
  readonly auth: WebAuth;
  readonly sessions: WebSessions;
  readonly liveOperations?: LiveOperations;
  /** preHandler: 401/403/429 unless authenticated; sets request.user. */
  requireUser(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined>;
  scope(user: WebUser): Scope;
  /** Calls shared with their agents for coaching. */
  readonly shares: CallShares;
  /** Whether the user may see this call: the scope, and for an agent mayAgentReview with the call's shares. */
  entitled(user: WebUser, call: Pick<CallRecord, 'callId' | 'group' | 'agentExtension'>): Promise<boolean>;
  /** A short, fixed sentence instead of the error's own text (which may carry paths or SQL). */
  fail(reply: FastifyReply, status: number, reason: string): FastifyReply;
}

const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export class WebServer {
  readonly app: FastifyInstance;
  private readonly log: Logger;
  port = 0;

  constructor(private readonly deps: WebServerDeps) {
    this.log = deps.logger.child({ module: 'web' });
    const { certFile, keyFile } = deps.config.tls;
    const https = certFile !== '' && keyFile !== '' ? { https: { cert: readFileSync(certFile), key: readFileSync(keyFile) } } : {};
    this.app = Fastify({
      ...https,
      trustProxy: deps.config.trustProxy,
      bodyLimit: 16 * 1024,
      logger: false,
      // Ids in paths are UUIDs or digits; anything longer is not ours.
      routerOptions: { maxParamLength: 100 },
      ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', allErrors: false } },
    }) as unknown as FastifyInstance;
    this.build();
  }

  private build(): void {
    const { app, deps } = this;
    const sessions = new WebSessions(deps.config.sessionMinutes * 60_000, deps.now);
    const throttle = new LoginThrottle(deps.config.lockout, deps.now);
    const auth = new WebAuth({ users: deps.users, sessions, throttle, logger: deps.logger, accessLog: deps.accessLog });
    const liveOperations = deps.live
      ? new LiveOperations({ daemon: deps.live.daemon, coaching: deps.coaching, liveOps: deps.liveOps, recording: deps.live.recording, accessLog: deps.accessLog, logger: deps.logger })
      : undefined;
    const groups = deps.recordingGroups ?? {};
    const shares = new CallShares(deps.knex, deps.tables, deps.now ? () => new Date(deps.now!()) : undefined);
    const scope = (user: WebUser): Scope => scopeOf(user, deps.coaching.supervisors, selfReviewGroups({ groups }));
    const ctx: WebContext = {
      ...deps,
      shares,
      auth,
      sessions,
      ...(liveOperations ? { liveOperations } : {}),
      requireUser: async (request, reply) => {
        const outcome = await auth.authenticate(request);
        if (!outcome.ok) return sendRefusal(request, reply, outcome);
        request.user = outcome.user;
        if (outcome.session) request.webSession = outcome.session;
        return undefined;
      },
      scope,
      entitled: async (user, call) => {
        if (user.role !== 'agent') return inScope(scope(user), call);
        const sharedWith = await shares.sharedWith(call.callId);
        return mayAgentReview({ groups }, user.extension ?? '', { agentExtension: call.agentExtension, group: call.group, sharedWith }).ok;
      },
      fail: (reply, status, reason) => reply.code(status).send({ ok: false, reason }),
    };

    // Only JSON is parsed: a form or text/plain body (what a foreign page can send without a
    // preflight) is refused with 415 before any route runs.
    app.removeAllContentTypeParsers();
    app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
      try {
        done(null, body === '' ? {} : JSON.parse(body as string));
      } catch {
        done(Object.assign(new Error('body is not JSON'), { statusCode: 400 }), undefined);
      }
    });

    app.register(fastifyCookie);
    app.register(fastifyHelmet, {
      contentSecurityPolicy: {
        useDefaults: false,
        directives: {
          defaultSrc: ["'self'"],
          scriptSrc: ["'self'"],
          styleSrc: ["'self'"],
          imgSrc: ["'self'", 'data:'],
          mediaSrc: ["'self'"],
          connectSrc: ["'self'"],
          formAction: ["'self'"],
          frameAncestors: ["'none'"],
          baseUri: ["'none'"],
          objectSrc: ["'none'"],
        },
      },
      hsts: Object.keys(deps.config.tls).length > 0 && deps.config.tls.certFile !== '' ? { maxAge: 15_552_000 } : false,
      referrerPolicy: { policy: 'no-referrer' },
    });

    app.addHook('onRequest', async (request, reply) => {
      reply.header('cache-control', 'no-store');
      // A browser says where a request comes from; one from another site is refused (CSRF
      // with cached Basic credentials, or a cookie that SameSite did not hold back).
      const origin = headerValue(request, 'origin');
      if (origin !== undefined && !this.originAllowed(request, origin)) {
        this.log.warn(`refused ${request.method} ${request.url.slice(0, 200)} from origin ${origin.slice(0, 100)} (${request.ip})`);
        return ctx.fail(reply, 403, 'cross-origin requests are refused');
      }
      // The API only: a link to the page from another site (a portal, a bookmark) must still open it.
      if (request.url.startsWith('/api/') && headerValue(request, 'sec-fetch-site') === 'cross-site') return ctx.fail(reply, 403, 'cross-site requests are refused');
      if (STATE_CHANGING.has(request.method) && request.url.startsWith('/api/')) {
        const type = (headerValue(request, 'content-type') ?? '').split(';')[0]!.trim().toLowerCase();
        if (type !== 'application/json') return ctx.fail(reply, 415, 'send Content-Type: application/json');
      }
      return undefined;
    });

    app.setErrorHandler((error: Error & { statusCode?: number; validation?: unknown; code?: string }, request, reply) => {
      const status = error.statusCode ?? 500;
      if (error.validation !== undefined) return ctx.fail(reply, 400, 'the request does not match the API (see the route table in the README)');
      if (status === 415 || error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') return ctx.fail(reply, 415, 'send Content-Type: application/json');
      if (status === 413) return ctx.fail(reply, 413, 'request body too large');
      if (status >= 400 && status < 500) return ctx.fail(reply, status, 'bad request');
      this.log.error(`${request.method} ${request.routeOptions.url ?? request.url.slice(0, 200)} failed: ${error.message}`);
      return ctx.fail(reply, 500, 'internal error (see the daemon log)');
    });
    app.setNotFoundHandler((_request, reply) => ctx.fail(reply, 404, 'not found'));

    sessionRoutes(app, ctx);
    callRoutes(app, ctx);
    recordingRoutes(app, ctx);
    liveRoutes(app, ctx);
    auditRoutes(app, ctx);
    agentRoutes(app, ctx);
    holdRoutes(app, ctx);
    pageRoutes(app, ctx);
  }

  /** Same origin as the request (Host, and the proxy's X-Forwarded-* when trusted), or configured. */
  private originAllowed(request: FastifyRequest, origin: string): boolean {
    if (this.deps.config.allowedOrigins.includes(origin)) return true;
    return origin === `${request.protocol}://${request.host}`;
  }

  async listen(): Promise<number> {
    await this.app.listen({ host: this.deps.config.host, port: this.deps.config.port });
    const address = this.app.server.address();
    this.port = typeof address === 'object' && address ? address.port : this.deps.config.port;
    const scheme = this.deps.config.tls.certFile !== '' ? 'https' : 'http';
    this.log.info(`back office and live operations on ${scheme}://${this.deps.config.host}:${this.port}/`);
    if (scheme === 'http' && !/^(127\.|::1$|localhost$)/.test(this.deps.config.host)) {
      this.log.warn(`web.host ${this.deps.config.host} without TLS: passwords and recordings cross the network in clear text unless a TLS proxy is in front`);
    }
    return this.port;
  }

  async close(): Promise<void> {
    await this.app.close();
  }
}
