// The only importer of `config`: loads, validates once, and exports a frozen typed object.

import { isIP } from 'node:net';
import { join } from 'node:path';
import Ajv from 'ajv';
import { CONFIG_SCHEMA } from './config-schema';
import { EvidenceKeyring } from './store/evidence-keys';
import { validateRecordingConfig, type RecordingConfig } from './policies';
import { agentsConfigOf, agentsConfigProblems, type AgentsConfig } from './agent/agent-config';
import { coachingConfigProblems, type CoachingConfig, type LiveOpsConfig } from './coaching/coaching-config';
import type { MetricsConfig } from './metrics/metrics-config';

export interface CallwardenConfig {
  readonly node: string;
  readonly esl: {
    readonly host: string;
    readonly port: number;
    readonly password: string;
    readonly format: 'plain' | 'json';
    readonly commandTimeoutMs: number;
    readonly connectTimeoutMs: number;
    readonly keepaliveMs: number;
    readonly reconnect: { readonly initialMs: number; readonly maxMs: number };
  };
  /** allowedPeers: the FreeSWITCH addresses that may open call sockets (default loopback). */
  readonly outbound: { readonly host: string; readonly port: number; readonly allowedPeers: readonly string[] };
  readonly streams: { readonly hangupGraceMs: number };
  readonly store: {
    readonly client: 'better-sqlite3' | 'mysql2';
    readonly url: string;
    readonly filename: string;
    readonly tablePrefix: string;
    readonly outboxDir: string;
  };
  readonly mqtt: {
    readonly url: string;
    readonly username: string;
    readonly password: string;
    readonly clientId: string;
    readonly reconnectPeriodMs: number;
    readonly embedded: { readonly enabled: boolean; readonly host: string; readonly port: number };
  };
  /** Evidence sealing and anchoring (README "Evidence a court can rely on"). */
  readonly evidence: {
    readonly key: string;
    readonly currentKeyId: string;
    readonly keys: Readonly<Record<string, string>>;
    readonly requireKey: boolean;
    readonly anchorFile: string;
    readonly syslog: boolean;
  };
  readonly log: { readonly level: 'error' | 'warn' | 'info' | 'debug'; readonly format: 'text' | 'json' };
  /** Recording policies, checked by the policies' own validator (every default filled in). */
  readonly recording: RecordingConfig;
  /** Silent coaching (*98*<ext>): off until enabled and its legal notice acknowledged. */
  readonly coaching: CoachingConfig;
  /** LiveCenter: authenticated HTTP commands on live calls (record, listen). */
  readonly liveOps: LiveOpsConfig;
  /** The agent's side: recording lamp (BLF) and the agent topic on MQTT; every key optional. */
  readonly agents: AgentsConfig;
  /** The Prometheus scrape listener (README "Metrics"); off unless enabled. */
  readonly metrics?: MetricsConfig;
}

export class ConfigError extends Error {
  override name = 'ConfigError' as const;
}

/** Validates a raw object; every problem is reported with the key it concerns. */
export function validateConfig(raw: unknown): CallwardenConfig {
  const ajv = new Ajv({ allErrors: true });
  const validate = ajv.compile(CONFIG_SCHEMA);
  const schemaOk = validate(raw);
  // The recording section has its own validator (src/policies), which knows the legal rules
  // behind each key; its messages join the schema's so every mistake is reported at once.
  const recording = validateRecordingConfig((raw as { recording?: unknown } | null)?.recording);
  if (!schemaOk || !recording.ok) {
    const problems = (schemaOk ? [] : validate.errors ?? []).map((e) => {
      const path = e.instancePath.replace(/^\//, '').replace(/\//g, '.');
      const params = e.params as { missingProperty?: string; additionalProperty?: string };
      if (e.keyword === 'required') return `${path ? `${path}.` : ''}${params.missingProperty}: is missing`;
      if (e.keyword === 'additionalProperties') return `${path ? `${path}.` : ''}${params.additionalProperty}: is not a known setting`;
      return `${path || '(top level)'}: ${e.message}`;
    });
    if (!recording.ok) problems.push(...recording.errors);
    throw new ConfigError(`invalid configuration:\n  ${problems.join('\n  ')}`);
  }
  const config = { ...(raw as object), recording: recording.config, agents: agentsConfigOf((raw as { agents?: unknown }).agents) } as unknown as CallwardenConfig;
  if (config.store.client === 'mysql2' && !config.store.url) {
    throw new ConfigError('invalid configuration:\n  store.url: is required when store.client is mysql2 (CALLWARDEN_DB_URL)');
  }
  const badPeers = config.outbound.allowedPeers.filter((p) => isIP(p) === 0);
  if (badPeers.length > 0) {
    throw new ConfigError(`invalid configuration:\n  outbound.allowedPeers: ${badPeers.map((p) => JSON.stringify(p)).join(', ')} is not an IP address (CALLWARDEN_OUTBOUND_ALLOWED_PEERS)`);
  }
  try {
    EvidenceKeyring.fromConfig(config.evidence);
  } catch (err) {
    throw new ConfigError(`invalid configuration:\n  evidence: ${(err as Error).message}`);
  }
  // Rules across keys (duplicate DTMF keys, ops users without coaching rights), once the shapes are right.
  const coachingProblems = coachingConfigProblems(config.coaching, config.liveOps);
  if (coachingProblems.length > 0) throw new ConfigError(`invalid configuration:\n  ${coachingProblems.join('\n  ')}`);
  const agentProblems = agentsConfigProblems(config.agents, config.recording);
  if (agentProblems.length > 0) throw new ConfigError(`invalid configuration:\n  ${agentProblems.join('\n  ')}`);
  return deepFreeze(config);
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

export type DeepPartial<T> = { [K in keyof T]?: T[K] extends object ? DeepPartial<T[K]> : T[K] };

/** Deep merge of plain objects (arrays and scalars in `over` replace). */
export function merge(base: unknown, over: unknown): unknown {
  if (over === undefined) return base;
  if (base && over && typeof base === 'object' && typeof over === 'object' && !Array.isArray(over)) {
    const out: Record<string, unknown> = { ...(base as Record<string, unknown>) };
    for (const [k, v] of Object.entries(over as Record<string, unknown>)) out[k] = merge(out[k], v);
    return out;
  }
  return over;
}

const IN_PROCESS_EVIDENCE = { evidence: { requireKey: false, anchorFile: '' } };

/**
 * config/default.json with `overrides` merged in, validated — for the demo, the bench and
 * tests, which run the daemon in-process against a simulator on a port of their own.
 */
export function defaultsWith(overrides: DeepPartial<CallwardenConfig>): CallwardenConfig {
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const defaults = JSON.parse(require('node:fs').readFileSync(join(__dirname, '..', '..', 'config', 'default.json'), 'utf8'));
  // The demo/test profile: no key required and no anchor file in ./data unless the caller asks for them.
  return validateConfig(merge(merge(defaults, IN_PROCESS_EVIDENCE), overrides));
}
