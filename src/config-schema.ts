// The JSON schema every configuration must satisfy; checked once at start-up.

import { AGENTS_SCHEMA } from './agent/agent-config';
import { ESL_NODE_SCHEMA, NODE_NAME_PATTERN } from './esl/esl-nodes';
import { COACHING_SCHEMA, LIVE_OPS_SCHEMA } from './coaching/coaching-config';
import { LIFECYCLE_SCHEMA } from './lifecycle/lifecycle-config';
import { WEB_SCHEMA } from './web/web-config';
import { METRICS_SCHEMA } from './metrics/metrics-config';

export const CONFIG_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['node', 'esl', 'outbound', 'streams', 'log', 'store', 'evidence', 'mqtt', 'lifecycle'],
  properties: {
    node: { type: 'string', pattern: '^[A-Za-z0-9_.-]+$', description: 'this daemon’s name in MQTT topics and logs' },
    esl: {
      type: 'object',
      additionalProperties: false,
      required: ['host', 'port', 'password', 'format', 'commandTimeoutMs', 'connectTimeoutMs', 'keepaliveMs', 'reconnect'],
      properties: {
        host: { type: 'string', minLength: 1 },
        port: { type: 'integer', minimum: 0, maximum: 65535 },
        password: { type: 'string', minLength: 1, pattern: '^[^\\r\\n]*$' },
        // The single node's name (default host:port); with `nodes`, each node names itself.
        name: { type: 'string', pattern: NODE_NAME_PATTERN },
        // Several FreeSWITCH nodes: each its own inbound connection; host/port/password above are their defaults.
        nodes: { type: 'array', maxItems: 64, items: ESL_NODE_SCHEMA },
        format: { enum: ['plain', 'json'] },
        commandTimeoutMs: { type: 'integer', minimum: 1 },
        connectTimeoutMs: { type: 'integer', minimum: 1 },
        keepaliveMs: { type: 'integer', minimum: 0 },
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
      required: ['host', 'port', 'allowedPeers'],
      properties: {
        host: { type: 'string', minLength: 1 },
        port: { type: 'integer', minimum: 0, maximum: 65535 },
        // IP addresses (v4 or v6), compared exactly with the connecting peer's.
        allowedPeers: { type: 'array', minItems: 1, maxItems: 64, items: { type: 'string', pattern: '^(?:[0-9]{1,3}(?:\\.[0-9]{1,3}){3}|[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*)$' } },
      },
    },
    streams: {
      type: 'object',
      additionalProperties: false,
      required: ['hangupGraceMs'],
      properties: { hangupGraceMs: { type: 'integer', minimum: 0 } },
    },
    store: {
      type: 'object',
      additionalProperties: false,
      required: ['client', 'url', 'filename', 'tablePrefix', 'outboxDir'],
      properties: {
        client: { enum: ['better-sqlite3', 'mysql2'] },
        url: { type: 'string', description: 'mysql://user:pass@host:3306/db (mysql2 only)' },
        filename: { type: 'string', minLength: 1 },
        tablePrefix: { type: 'string', pattern: '^[a-z0-9_]*$' },
        outboxDir: { type: 'string', minLength: 1 },
      },
    },
    mqtt: {
      type: 'object',
      additionalProperties: false,
      required: ['url', 'username', 'password', 'clientId', 'reconnectPeriodMs', 'embedded'],
      properties: {
        url: { type: 'string', description: 'empty: embedded broker; "off": disabled' },
        username: { type: 'string' },
        password: { type: 'string' },
        clientId: { type: 'string' },
        reconnectPeriodMs: { type: 'integer', minimum: 100 },
        embedded: {
          type: 'object',
          additionalProperties: false,
          required: ['enabled', 'host', 'port'],
          properties: { enabled: { type: 'boolean' }, host: { type: 'string', minLength: 1 }, port: { type: 'integer', minimum: 0, maximum: 65535 } },
        },
      },
    },
    evidence: {
      type: 'object',
      additionalProperties: false,
      required: ['key', 'currentKeyId', 'keys', 'requireKey', 'anchorFile', 'syslog'],
      properties: {
        key: { type: 'string', description: 'current HMAC key (CALLWARDEN_EVIDENCE_KEY); ≥ 32 bytes; hex:… or base64:… allowed' },
        currentKeyId: { type: 'string', pattern: '^[A-Za-z0-9_.-]{1,32}$' },
        keys: { type: 'object', additionalProperties: { type: 'string' }, description: 'retired keys by id, to verify old rows' },
        requireKey: { type: 'boolean', description: 'refuse to record without a key (false only in test/demo)' },
        anchorFile: { type: 'string', description: 'append-only file of chain heads outside the database; empty: none' },
        syslog: { type: 'boolean' },
      },
    },
    // Checked in depth by validateRecordingConfig (src/policies): unknown keys, modes, prompts per mode.
    recording: { type: 'object' },
    coaching: COACHING_SCHEMA,
    liveOps: LIVE_OPS_SCHEMA,
    // Optional: the recording lamp and the agent topic (src/agent); defaults in agentsConfigOf.
    agents: AGENTS_SCHEMA,
    lifecycle: LIFECYCLE_SCHEMA,
    web: WEB_SCHEMA,
    metrics: METRICS_SCHEMA,
    log: {
      type: 'object',
      additionalProperties: false,
      required: ['level', 'format'],
      properties: { level: { enum: ['error', 'warn', 'info', 'debug'] }, format: { enum: ['text', 'json'] } },
    },
  },
} as const;
