// The only importer of `config`: loads, validates once, and exports a frozen typed object.

import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { delimiter, isAbsolute, join, resolve } from 'node:path';
import Ajv from 'ajv';
import { CONFIG_SCHEMA } from './config-schema';
import { EvidenceKeyring } from './store/evidence-keys';
import { eslNodesProblems, type EslNodeSetting } from './esl/esl-nodes';
import { validateRecordingConfig, type RecordingConfig } from './policies';
import { agentsConfigOf, agentsConfigProblems, type AgentsConfig } from './agent/agent-config';
import { coachingConfigProblems, normaliseCoachingSupervisors, type CoachingConfig, type LiveOpsConfig } from './coaching/coaching-config';
import { lifecycleConfigProblems, type LifecycleConfig } from './lifecycle/lifecycle-config';
import { webConfigProblems, type WebConfig } from './web/web-config';
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
    /** The single node's name (default `${host}:${port}`); see eslNodesOf. */
    readonly name?: string;
    /** Several FreeSWITCH nodes (README "Several FreeSWITCH nodes and several daemons"); host/port/password above are their defaults. */
    readonly nodes?: readonly EslNodeSetting[];
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
  /** LiveCenter: whether signed-in users may record/listen on live calls, and how "listen" rings. */
  readonly liveOps: LiveOpsConfig;
  /** The agent's side: recording lamp (BLF) and the agent topic on MQTT; every key optional. */
  readonly agents: AgentsConfig;
  /** After the call: mp3, purge, mail, storage (src/lifecycle). */
  readonly lifecycle: LifecycleConfig;
  /** The HTTP server for people (back office + live operations), src/web/. */
  readonly web: WebConfig;
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
  const parsed = raw as unknown as { coaching: CoachingConfig; agents?: unknown };
  const config = {
    ...parsed,
    coaching: normaliseCoachingSupervisors(parsed.coaching),
    recording: recording.config,
    agents: agentsConfigOf(parsed.agents),
  } as unknown as CallwardenConfig;
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
  const coachingProblems = [...eslNodesProblems(config.esl), ...coachingConfigProblems(config.coaching), ...webConfigProblems(config.web), ...lifecycleConfigProblems(config.lifecycle)];
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

/** The installed package (dist/src/config.js → two levels up): its config/ holds the shipped defaults. */
export const PACKAGE_DIR = join(__dirname, '..', '..');
export const PACKAGE_CONFIG_DIR = join(PACKAGE_DIR, 'config');

/** Where a loaded configuration came from, for `check-config` and error messages (never values). */
export interface ConfigSources {
  /** The operator's directories (NODE_CONFIG_DIR, else the package's config/). */
  readonly dirs: readonly string[];
  /** Every file merged, in order (the package defaults first). */
  readonly files: readonly string[];
  /** CALLWARDEN_* variables that were set and applied. */
  readonly environment: readonly string[];
}

let loaded: { config: CallwardenConfig; sources: ConfigSources } | undefined;

/**
 * Loads the configuration: the package's config/default.json, then the operator's files read by
 * node-config from NODE_CONFIG_DIR (default: the package's config/, so config/local.json works;
 * e.g. /etc/callwarden holding local.json or production.json), then CALLWARDEN_* variables
 * (config/custom-environment-variables.json). Relative paths resolve against the package
 * directory, so the daemon and the CLI agree wherever they are started.
 */
export function loadConfig(): CallwardenConfig {
  return loadConfigWithSources().config;
}

export function loadConfigWithSources(): { config: CallwardenConfig; sources: ConfigSources } {
  if (loaded) return loaded;
  const dirs = (process.env.NODE_CONFIG_DIR || PACKAGE_CONFIG_DIR).split(delimiter).filter(Boolean).map((d) => resolve(d));
  process.env.NODE_CONFIG_DIR = dirs.join(delimiter);
  process.env.SUPPRESS_NO_CONFIG_WARNING = 'y';
  // NODE_ENV=production with only a local.json is fine here: check-config lists what was read.
  process.env.SUPPRESS_STRICTNESS_CHECK ??= 'y';
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const nodeConfig = require('config') as { util: { toObject(o?: unknown): unknown; getConfigSources(): Array<{ name: string }> } };
  const defaultsFile = join(PACKAGE_CONFIG_DIR, 'default.json');
  const mapping = readJson(join(PACKAGE_CONFIG_DIR, 'custom-environment-variables.json'));
  const environment = environmentOverrides(mapping, process.env);
  const raw = merge(merge(readJson(defaultsFile), nodeConfig.util.toObject()), environment.values);
  const files = [defaultsFile, ...nodeConfig.util.getConfigSources().map((s) => s.name).filter((f) => f !== defaultsFile && !f.endsWith('custom-environment-variables.json'))];
  const config = validateConfig(resolvePaths(raw, PACKAGE_DIR));
  loaded = { config, sources: { dirs, files, environment: environment.names } };
  return loaded;
}

function readJson(file: string): unknown {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new ConfigError(`cannot read ${file}: ${(err as Error).message}`);
  }
}

/**
 * node-config's custom-environment-variables mapping, applied here too so it holds whichever
 * directory NODE_CONFIG_DIR names (node-config reads the mapping only from its own directories).
 * Values are never echoed in errors: some are secrets.
 */
export function environmentOverrides(mapping: unknown, env: NodeJS.ProcessEnv): { values: unknown; names: string[] } {
  const names: string[] = [];
  const walk = (node: unknown, path: string): unknown => {
    if (typeof node === 'string' || (node && typeof node === 'object' && '__name' in node)) {
      const spec = typeof node === 'string' ? { __name: node } : (node as { __name: string; __format?: string });
      const text = env[spec.__name];
      if (text === undefined || text === '') return undefined;
      names.push(spec.__name);
      switch (spec.__format) {
        case undefined:
          return text;
        case 'number': {
          const n = Number(text);
          if (text.trim() === '' || !Number.isFinite(n)) throw new ConfigError(`invalid configuration:\n  ${spec.__name} (${path}): must be a number`);
          return n;
        }
        case 'boolean':
          if (text === 'true' || text === 'false') return text === 'true';
          throw new ConfigError(`invalid configuration:\n  ${spec.__name} (${path}): must be true or false`);
        case 'json':
          try {
            return JSON.parse(text);
          } catch {
            throw new ConfigError(`invalid configuration:\n  ${spec.__name} (${path}): is not valid JSON`);
          }
        default:
          throw new ConfigError(`custom-environment-variables.json: ${path}: unknown __format ${spec.__format}`);
      }
    }
    if (!node || typeof node !== 'object') return undefined;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(node)) {
      const value = walk(v, path ? `${path}.${k}` : k);
      if (value !== undefined) out[k] = value;
    }
    return Object.keys(out).length > 0 ? out : undefined;
  };
  return { values: walk(mapping, ''), names };
}

/** store.filename, store.outboxDir and recording.directory, made absolute against `base` (`:memory:` stays). */
export function resolvePaths(raw: unknown, base: string): unknown {
  if (!raw || typeof raw !== 'object') return raw;
  const r = raw as { store?: Record<string, unknown>; recording?: Record<string, unknown> };
  const abs = (p: unknown): unknown => (typeof p === 'string' && p !== '' && p !== ':memory:' && !isAbsolute(p) ? resolve(base, p) : p);
  return {
    ...r,
    ...(r.store && typeof r.store === 'object' ? { store: { ...r.store, filename: abs(r.store.filename), outboxDir: abs(r.store.outboxDir) } } : {}),
    ...(r.recording && typeof r.recording === 'object' && 'directory' in r.recording ? { recording: { ...r.recording, directory: abs(r.recording.directory) } } : {}),
  };
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
  // The demo/test profile: no key required and no anchor file in ./data unless the caller asks for them.
  return validateConfig(merge(merge(readJson(join(PACKAGE_CONFIG_DIR, 'default.json')), IN_PROCESS_EVIDENCE), overrides));
}
