// The metrics listener's settings: off by default, loopback by default.

export interface MetricsConfig {
  readonly enabled: boolean;
  readonly host: string;
  /** 0 picks a free port (tests). */
  readonly port: number;
}

export const METRICS_DEFAULTS: MetricsConfig = { enabled: false, host: '127.0.0.1', port: 9464 };

export const METRICS_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['enabled', 'host', 'port'],
  properties: {
    enabled: { type: 'boolean' },
    host: { type: 'string', minLength: 1 },
    port: { type: 'integer', minimum: 0, maximum: 65535 },
  },
} as const;
