// The only importer of `config`: loads, validates once, and exports a frozen typed object.

import { join } from 'node:path';
import Ajv from 'ajv';
import { CONFIG_SCHEMA } from './config-schema';

export interface CallwardenConfig {
  readonly node: string;
  readonly esl: {
    readonly host: string;
    readonly port: number;
    readonly password: string;
    readonly format: 'plain' | 'json';
    readonly commandTimeoutMs: number;
    readonly connectTimeoutMs: number;
    readonly reconnect: { readonly initialMs: number; readonly maxMs: number };
  };
  readonly outbound: { readonly host: string; readonly port: number };
  readonly streams: { readonly hangupGraceMs: number };
  readonly log: { readonly level: 'error' | 'warn' | 'info' | 'debug'; readonly format: 'text' | 'json' };
}

export class ConfigError extends Error {
  override name = 'ConfigError' as const;
}

/** Validates a raw object; every problem is reported with the key it concerns. */
export function validateConfig(raw: unknown): CallwardenConfig {
  const ajv = new Ajv({ allErrors: true });
  const validate = ajv.compile(CONFIG_SCHEMA);
  if (!validate(raw)) {
    const problems = (validate.errors ?? []).map((e) => {
      const path = e.instancePath.replace(/^\//, '').replace(/\//g, '.');
      const params = e.params as { missingProperty?: string; additionalProperty?: string };
      if (e.keyword === 'required') return `${path ? `${path}.` : ''}${params.missingProperty}: is missing`;
      if (e.keyword === 'additionalProperties') return `${path ? `${path}.` : ''}${params.additionalProperty}: is not a known setting`;
      return `${path || '(top level)'}: ${e.message}`;
    });
    throw new ConfigError(`invalid configuration:\n  ${problems.join('\n  ')}`);
  }
  return deepFreeze(raw as unknown as CallwardenConfig);
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

let loaded: CallwardenConfig | undefined;

/** Loads config/ (NODE_ENV selects the overlay; CALLWARDEN_* env vars override). */
export function loadConfig(): CallwardenConfig {
  if (loaded) return loaded;
  // Find config/ beside the package even when the bin runs from another directory.
  process.env.NODE_CONFIG_DIR ??= join(__dirname, '..', '..', 'config');
  process.env.SUPPRESS_NO_CONFIG_WARNING = 'y';
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const config = require('config') as { util: { toObject(o?: unknown): unknown } };
  loaded = validateConfig(config.util.toObject());
  return loaded;
}
