// The `agents` section: the recording lamp (BLF presence ids per agent) and the agent topic on MQTT; defaults and the checks across keys.

import { createHash } from 'node:crypto';
import type { RecordingConfig } from '../policies';

export interface LampConfig {
  /** Off by default: the lamp needs the phones' BLF keys and mod_sofia presence configured (README). */
  readonly enabled: boolean;
  /** The SIP domain the phones subscribe in (the {domain} of presenceId). */
  readonly domain: string;
  /** Presence id per agent; {ext} and {domain} are replaced. Default "rec+rec{ext}@{domain}". */
  readonly presenceId: string;
  /** Per-extension presence ids that replace the template. */
  readonly extensions: Readonly<Record<string, string>>;
  /**
   * Every lamp's state is sent again this often (s; 0 = never): mod_sofia answers a phone's
   * re-SUBSCRIBE from its own tables, which never hold our state.
   */
  readonly refreshSeconds: number;
}

export interface AgentsConfig {
  readonly lamp: LampConfig;
  /** The retained callwarden/<node>/agents/<ext> topics. */
  readonly mqtt: { readonly enabled: boolean };
}

export const AGENTS_DEFAULTS: AgentsConfig = {
  lamp: { enabled: false, domain: '', presenceId: 'rec+rec{ext}@{domain}', extensions: {}, refreshSeconds: 300 },
  mqtt: { enabled: true },
};

export const AGENTS_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  properties: {
    lamp: {
      type: 'object',
      additionalProperties: false,
      properties: {
        enabled: { type: 'boolean' },
        domain: { type: 'string', pattern: '^[A-Za-z0-9.-]*$' },
        presenceId: { type: 'string', minLength: 1 },
        extensions: { type: 'object', additionalProperties: { type: 'string', minLength: 1 } },
        refreshSeconds: { type: 'integer', minimum: 0, maximum: 86400 },
      },
    },
    mqtt: { type: 'object', additionalProperties: false, properties: { enabled: { type: 'boolean' } } },
  },
} as const;

/** The section as read (every key optional) with the defaults filled in. */
export function agentsConfigOf(raw: unknown): AgentsConfig {
  const r = (raw ?? {}) as { lamp?: Partial<LampConfig>; mqtt?: Partial<AgentsConfig['mqtt']> };
  return {
    lamp: { ...AGENTS_DEFAULTS.lamp, ...r.lamp, extensions: { ...AGENTS_DEFAULTS.lamp.extensions, ...r.lamp?.extensions } },
    mqtt: { ...AGENTS_DEFAULTS.mqtt, ...r.mqtt },
  };
}

/**
 * A presence id as mod_sofia reads it: `[proto+]user@domain`. Only characters that need no
 * escaping anywhere on the way (ESL header, SIP URI, mod_sofia's SQL): FreeSWITCH puts these
 * values into its own SQL statements, partly unquoted.
 */
const PRESENCE_ID_RE = /^(?:([A-Za-z0-9_.*-]{1,32})\+)?([A-Za-z0-9_.*-]{1,64})@([A-Za-z0-9.-]{1,253})$/;

export interface PresenceId {
  /** The full id as configured (what the phone's BLF key names). */
  readonly id: string;
  /** The part before "+" ("sip" when there is none): mod_sofia's proto for the subscription. */
  readonly proto: string;
  /** The user after "+": what mod_sofia matches against the phones' subscriptions (sub_to_user). */
  readonly user: string;
  readonly domain: string;
}

export function parsePresenceId(id: string): PresenceId | undefined {
  const m = PRESENCE_ID_RE.exec(id);
  if (!m) return undefined;
  return { id, proto: m[1] ?? 'sip', user: m[2]!, domain: m[3]! };
}

/** The presence id of one agent's lamp, or undefined when the lamp is off or the id is not usable. */
export function presenceIdFor(lamp: LampConfig, extension: string): PresenceId | undefined {
  const own = Object.prototype.hasOwnProperty.call(lamp.extensions, extension) ? lamp.extensions[extension] : undefined;
  const id = own ?? lamp.presenceId.replace(/\{ext\}/g, extension).replace(/\{domain\}/g, lamp.domain);
  return parsePresenceId(id);
}

/**
 * mod_sofia's dialog id for the lamp (the `unique-id` header). It must not be a live
 * channel's UUID: `sendevent` with a unique-id naming a live session queues the event to
 * that session instead of firing it (mod_event_socket), so the phone would never hear it.
 * Letters and digits only, because sofia_presence.c writes it into SQL unquoted.
 */
export function lampDialogId(presenceId: string): string {
  return `cwlamp${createHash('sha256').update(presenceId).digest('hex').slice(0, 24)}`;
}

/**
 * Checks across sections, each problem naming its key: a usable presence id for every
 * enabled extension, no two agents on one lamp, and no lamp whose user is an agent
 * extension — mod_sofia would then read the agent's own call (sip_dialogs) and replace the
 * lamp's answer-state with that call's state (sofia_presence.c, "mangle this packet"), so the
 * lamp would show "on" for every call, recorded or not.
 */
export function agentsConfigProblems(agents: AgentsConfig, recording: Pick<RecordingConfig, 'extensions'>): string[] {
  const problems: string[] = [];
  const lamp = agents.lamp;
  if (!lamp.enabled) return problems;
  const extensions = new Set([...Object.keys(recording.extensions), ...Object.keys(lamp.extensions)]);
  if (lamp.presenceId.includes('{domain}') && lamp.domain === '' && [...extensions].some((e) => !Object.prototype.hasOwnProperty.call(lamp.extensions, e))) {
    problems.push('agents.lamp.domain: is required when agents.lamp.presenceId uses {domain}');
    return problems;
  }
  const seen = new Map<string, string>();
  for (const ext of [...extensions].sort()) {
    const key = Object.prototype.hasOwnProperty.call(lamp.extensions, ext) ? `agents.lamp.extensions.${ext}` : 'agents.lamp.presenceId';
    const p = presenceIdFor(lamp, ext);
    if (p === undefined) {
      problems.push(`${key}: the presence id for extension ${ext} must look like [proto+]user@domain (letters, digits, _ . * -)`);
      continue;
    }
    if (recording.extensions[p.user] !== undefined || p.user === ext) {
      problems.push(`${key}: the presence id for extension ${ext} (${p.id}) must not name an agent extension after the "+" (mod_sofia would show that agent's own call state instead of the lamp); e.g. rec+rec${ext}@${p.domain}`);
    }
    const other = seen.get(`${p.proto}+${p.user}@${p.domain}`);
    if (other !== undefined) problems.push(`${key}: extensions ${other} and ${ext} share the lamp ${p.id}`);
    seen.set(`${p.proto}+${p.user}@${p.domain}`, ext);
  }
  return problems;
}
