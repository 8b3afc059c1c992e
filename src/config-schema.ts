// The JSON schema every configuration must satisfy; checked once at start-up.

export const CONFIG_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['node', 'esl', 'outbound', 'streams', 'log'],
  properties: {
    node: { type: 'string', pattern: '^[A-Za-z0-9_.-]+$', description: 'this daemon’s name in MQTT topics and logs' },
    esl: {
      type: 'object',
      additionalProperties: false,
      required: ['host', 'port', 'password', 'format', 'commandTimeoutMs', 'connectTimeoutMs', 'reconnect'],
      properties: {
        host: { type: 'string', minLength: 1 },
        port: { type: 'integer', minimum: 0, maximum: 65535 },
        password: { type: 'string', minLength: 1, pattern: '^[^\\r\\n]*$' },
        format: { enum: ['plain', 'json'] },
        commandTimeoutMs: { type: 'integer', minimum: 1 },
        connectTimeoutMs: { type: 'integer', minimum: 1 },
        reconnect: {
          type: 'object',
          additionalProperties: false,
          required: ['initialMs', 'maxMs'],
          properties: { initialMs: { type: 'integer', minimum: 1 }, maxMs: { type: 'integer', minimum: 1 } },
        },
      },
    },
    outbound: {
      type: 'object',
      additionalProperties: false,
      required: ['host', 'port'],
      properties: { host: { type: 'string', minLength: 1 }, port: { type: 'integer', minimum: 0, maximum: 65535 } },
    },
    streams: {
      type: 'object',
      additionalProperties: false,
      required: ['hangupGraceMs'],
      properties: { hangupGraceMs: { type: 'integer', minimum: 0 } },
    },
    log: {
      type: 'object',
      additionalProperties: false,
      required: ['level', 'format'],
      properties: { level: { enum: ['error', 'warn', 'info', 'debug'] }, format: { enum: ['text', 'json'] } },
    },
  },
} as const;
