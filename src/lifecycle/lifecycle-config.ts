// The `lifecycle` section of the configuration: mp3 encoding, purge, mail and storage thresholds (schema and type).

export interface LifecycleConfig {
  /** Used only where FreeSWITCH lacks mod_shout: wav is recorded and encoded after RECORD_STOP. */
  readonly mp3: { readonly kbpsMono: number; readonly kbpsStereo: number };
  /** How often the daemon runs the purge (retention, do-not-keep, retries of failed deletions). */
  readonly purgeIntervalMs: number;
  readonly mail: MailConfig;
  readonly storage: StorageConfig;
}

export interface MailConfig {
  readonly enabled: boolean;
  readonly from: string;
  readonly smtp: {
    readonly host: string;
    readonly port: number;
    /** TLS from the first byte (port 465); otherwise STARTTLS when the server offers it. */
    readonly secure: boolean;
    /** Refuse to send unless STARTTLS succeeds. */
    readonly requireTls: boolean;
    readonly user: string;
    /** From CALLWARDEN_SMTP_PASSWORD; never logged or published. */
    readonly password: string;
  };
  /** Recordings up to this size are attached; larger ones are sent as a link to the back office. */
  readonly attachMaxBytes: number;
  /** The back office's base URL; the link is <backOfficeUrl>/recordings/<id>. */
  readonly backOfficeUrl: string;
  readonly retry: { readonly initialMs: number; readonly maxMs: number; readonly maxAttempts: number };
  /** How often the queue is looked at for due mail. */
  readonly pollMs: number;
}

export interface StorageConfig {
  /** Free space on the recording volume below which the log and MQTT warn. */
  readonly warnFreeMb: number;
  /** Below this no new recording starts (the storage gate, src/policies) until space is back. */
  readonly criticalFreeMb: number;
  readonly checkIntervalMs: number;
}

const POSITIVE = { type: 'integer', minimum: 1 } as const;

export const LIFECYCLE_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['mp3', 'purgeIntervalMs', 'mail', 'storage'],
  properties: {
    mp3: {
      type: 'object',
      additionalProperties: false,
      required: ['kbpsMono', 'kbpsStereo'],
      // The bit rates lame accepts for 8 kHz (MPEG 2.5 layer III).
      properties: { kbpsMono: { enum: [8, 16, 24, 32, 40, 48, 56, 64] }, kbpsStereo: { enum: [8, 16, 24, 32, 40, 48, 56, 64] } },
    },
    purgeIntervalMs: { type: 'integer', minimum: 1000 },
    mail: {
      type: 'object',
      additionalProperties: false,
      required: ['enabled', 'from', 'smtp', 'attachMaxBytes', 'backOfficeUrl', 'retry', 'pollMs'],
      properties: {
        enabled: { type: 'boolean' },
        from: { type: 'string', pattern: '^[^\\r\\n<>,;"]+@[^\\r\\n<>,;"]+$' },
        smtp: {
          type: 'object',
          additionalProperties: false,
          required: ['host', 'port', 'secure', 'requireTls', 'user', 'password'],
          properties: {
            host: { type: 'string', minLength: 1 },
            port: { type: 'integer', minimum: 0, maximum: 65535 },
            secure: { type: 'boolean' },
            requireTls: { type: 'boolean' },
            user: { type: 'string' },
            password: { type: 'string' },
          },
        },
        attachMaxBytes: { type: 'integer', minimum: 0 },
        backOfficeUrl: { type: 'string', pattern: '^https?://[^\\s]+$' },
        retry: {
          type: 'object',
          additionalProperties: false,
          required: ['initialMs', 'maxMs', 'maxAttempts'],
          properties: { initialMs: POSITIVE, maxMs: POSITIVE, maxAttempts: POSITIVE },
        },
        pollMs: { type: 'integer', minimum: 10 },
      },
    },
    storage: {
      type: 'object',
      additionalProperties: false,
      required: ['warnFreeMb', 'criticalFreeMb', 'checkIntervalMs'],
      properties: { warnFreeMb: { type: 'integer', minimum: 0 }, criticalFreeMb: { type: 'integer', minimum: 0 }, checkIntervalMs: { type: 'integer', minimum: 100 } },
    },
  },
} as const;

/** Rules across keys, once the shapes are right. */
export function lifecycleConfigProblems(c: LifecycleConfig): string[] {
  const problems: string[] = [];
  if (c.storage.criticalFreeMb > c.storage.warnFreeMb) problems.push('lifecycle.storage.criticalFreeMb: must not exceed warnFreeMb');
  if (c.mail.retry.initialMs > c.mail.retry.maxMs) problems.push('lifecycle.mail.retry.initialMs: must not exceed maxMs');
  return problems;
}
