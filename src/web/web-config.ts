// The `web` config section (the one HTTP server for people): its type, JSON schema and cross-field checks.

export interface WebLockoutConfig {
  /** Failed logins (per address, and per user name) before each further attempt waits. */
  readonly threshold: number;
  /** The first wait after the threshold; it doubles with every further failure. */
  readonly baseDelayMs: number;
  /** The longest wait (the lockout). */
  readonly maxDelayMs: number;
}

export interface WebConfig {
  readonly enabled: boolean;
  /** 127.0.0.1 by default: recordings and phone numbers are not for the network unless an operator says so. */
  readonly host: string;
  readonly port: number;
  /** PEM files; both set → HTTPS, both empty → HTTP (behind a TLS proxy or on loopback only). */
  readonly tls: { readonly certFile: string; readonly keyFile: string };
  /** fastify's trustProxy: false, true, or the proxy's address list ("127.0.0.1,10.0.0.0/8"). */
  readonly trustProxy: boolean | string;
  /** Extra origins the page is served from (e.g. https://callwarden.example.com behind a proxy); the request's own origin is always allowed. */
  readonly allowedOrigins: readonly string[];
  readonly sessionMinutes: number;
  readonly lockout: WebLockoutConfig;
  /** Byte-range requests of one user for one recording within this window count as one "listen" in the access log. */
  readonly listenAuditWindowMinutes: number;
}

export const WEB_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['enabled', 'host', 'port', 'tls', 'trustProxy', 'allowedOrigins', 'sessionMinutes', 'lockout', 'listenAuditWindowMinutes'],
  properties: {
    enabled: { type: 'boolean' },
    host: { type: 'string', minLength: 1 },
    port: { type: 'integer', minimum: 0, maximum: 65535 },
    tls: {
      type: 'object',
      additionalProperties: false,
      required: ['certFile', 'keyFile'],
      properties: { certFile: { type: 'string' }, keyFile: { type: 'string' } },
    },
    trustProxy: { anyOf: [{ type: 'boolean' }, { type: 'string', minLength: 1 }] },
    allowedOrigins: { type: 'array', items: { type: 'string', pattern: '^https?://[^/\\s]+$' } },
    sessionMinutes: { type: 'integer', minimum: 5, maximum: 1440 },
    lockout: {
      type: 'object',
      additionalProperties: false,
      required: ['threshold', 'baseDelayMs', 'maxDelayMs'],
      properties: {
        threshold: { type: 'integer', minimum: 1, maximum: 100 },
        baseDelayMs: { type: 'integer', minimum: 1 },
        maxDelayMs: { type: 'integer', minimum: 1 },
      },
    },
    listenAuditWindowMinutes: { type: 'integer', minimum: 0, maximum: 1440 },
  },
} as const;

/** Rules across keys, each naming its key. */
export function webConfigProblems(web: WebConfig | undefined): string[] {
  if (!web) return [];
  const problems: string[] = [];
  if ((web.tls.certFile === '') !== (web.tls.keyFile === '')) problems.push('web.tls: set both certFile and keyFile, or neither');
  if (web.lockout.maxDelayMs < web.lockout.baseDelayMs) problems.push('web.lockout.maxDelayMs: must be at least web.lockout.baseDelayMs');
  return problems;
}
