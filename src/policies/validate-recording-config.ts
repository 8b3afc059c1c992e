// Checks the recording section of the configuration and reports every mistake, each naming its key.

import { legalBasisOf } from './legal-basis';
import type { GroupSettings, PromptFiles } from './policy-input';
import { GROUP_DEFAULTS, RECORDING_DEFAULTS, type ExtensionSettings, type RecordingConfig } from './recording-config';
import { RECORDING_MODES, isRecordingMode, type RecordingMode } from './recording-mode';

export type RecordingConfigResult =
  | { readonly ok: true; readonly config: RecordingConfig }
  | { readonly ok: false; readonly errors: readonly string[] };

/** Thrown by assertRecordingConfig; the message lists every mistake, one per line. */
export class RecordingConfigError extends Error {
  override readonly name = 'RecordingConfigError' as const;
  constructor(readonly errors: readonly string[]) {
    super(`invalid recording configuration:\n${errors.map((e) => `  ${e}`).join('\n')}`);
  }
}

const TOP_KEYS = ['legalNoticeAcknowledged', 'directory', 'format', 'retentionDays', 'groups', 'extensions'] as const;
const GROUP_KEYS = [
  'mode',
  'channels',
  'announcements',
  'reannounceOnTransfer',
  'agentWithoutConsent',
  'everyNth',
  'manualKey',
  'pauseKey',
  'pauseMaxSeconds',
  'agentSelfReview',
  'notifyAgentOfMonitoring',
  'perCallMayLoosenTo',
  'consentTimeoutMs',
  'consentTries',
  'prompts',
  'target',
  'retentionDays',
  'mailTo',
  'keepAfterMail',
  'legalBasis',
] as const;
const PROMPT_KEYS: readonly (keyof PromptFiles)[] = [
  'consentMenu',
  'invalidEntry',
  'notice',
  'noticeWithObjection',
  'recordingStarted',
  'noRecording',
  'recordingStopped',
  'reannouncement',
];
const EXTENSION_KEYS = ['group', 'mode'] as const;

/** Prompts each mode cannot work without. */
const PROMPTS_FOR_MODE: Readonly<Record<RecordingMode, readonly (keyof PromptFiles)[]>> = {
  disabled: [],
  'opt-in': ['consentMenu', 'invalidEntry'],
  'every-nth': ['noticeWithObjection', 'invalidEntry'],
  manual: ['recordingStarted', 'recordingStopped'],
  'permanent-opt-out': ['noticeWithObjection', 'invalidEntry'],
  permanent: ['notice'],
};

const NAME_RE = /^[A-Za-z0-9_-]+$/;
const EXTENSION_RE = /^[A-Za-z0-9_+.-]{1,64}$/;
const DIRECTORY_RE = /^\/[A-Za-z0-9._/-]*$/;
// One word of a FreeSWITCH command: no whitespace, no control characters.
const PROMPT_RE = /^[^\s\x00-\x1f\x7f]+$/;
const DTMF_RE = /^[0-9*#A-D]$/;
// A bridge dial string: one line, no control characters (it goes into a sendmsg header).
/** The one line for a group that still names its routing target in config. */
export const TARGET_MOVED =
  'is no longer read: the dialplan owns routing. Set the target once in the dialplan, before `socket`: ' +
  '<action application="set" data="callwarden_target=user/1001"/>, and after `socket`: <action application="bridge" data="${callwarden_target}"/> ' +
  '(freeswitch/dialplan/callwarden.xml). The daemon reads it from the call and hands the call back after the consent flow, ' +
  'so a daemon restart never cuts a bridged call';
// One mail address, no display name: nothing that could add a header or a second recipient.
const MAIL_RE = /^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?)*$/;

type Obj = Record<string, unknown>;

function isObject(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Validates `recording` (the section as read from config, defaults not yet applied). On
 * success the result has every default filled in. Nothing is silently dropped: unknown
 * keys are errors, because a misspelt safety setting would otherwise fall back to a default.
 */
export function validateRecordingConfig(raw: unknown, prefix = 'recording'): RecordingConfigResult {
  const errors: string[] = [];
  const err = (key: string, message: string): void => {
    errors.push(`${key}: ${message}`);
  };
  if (raw === undefined) return { ok: true, config: RECORDING_DEFAULTS };
  if (!isObject(raw)) return { ok: false, errors: [`${prefix}: must be an object`] };
  unknownKeys(raw, TOP_KEYS, prefix, err);

  const legal = raw['legalNoticeAcknowledged'] ?? RECORDING_DEFAULTS.legalNoticeAcknowledged;
  if (typeof legal !== 'boolean') err(`${prefix}.legalNoticeAcknowledged`, 'must be true or false');

  const directory = raw['directory'] ?? RECORDING_DEFAULTS.directory;
  if (typeof directory !== 'string' || !DIRECTORY_RE.test(directory) || directory.split('/').includes('..')) {
    err(`${prefix}.directory`, 'must be an absolute path of the characters A-Z a-z 0-9 . _ - / without ".."');
  }
  const format = raw['format'] ?? RECORDING_DEFAULTS.format;
  if (format !== 'wav' && format !== 'mp3') err(`${prefix}.format`, 'must be one of wav, mp3');
  const retentionDays = raw['retentionDays'] ?? RECORDING_DEFAULTS.retentionDays;
  if (!Number.isInteger(retentionDays) || (retentionDays as number) < 1) err(`${prefix}.retentionDays`, 'must be an integer ≥ 1');

  const rawGroups = raw['groups'] ?? {};
  const rawExtensions = raw['extensions'] ?? {};
  if (!isObject(rawGroups)) err(`${prefix}.groups`, 'must be an object');
  if (!isObject(rawExtensions)) err(`${prefix}.extensions`, 'must be an object');
  const groupsIn: Obj = isObject(rawGroups) ? rawGroups : {};
  const extensionsIn: Obj = isObject(rawExtensions) ? rawExtensions : {};

  // Extensions first (their modes decide which prompts a group needs), reported after groups.
  const extErrors: string[] = [];
  const extensions: Record<string, ExtensionSettings> = {};
  const extraModes = new Map<string, RecordingMode[]>();
  for (const [ext, value] of Object.entries(extensionsIn)) {
    const key = `${prefix}.extensions.${ext}`;
    const e = (k: string, m: string): void => {
      extErrors.push(`${k}: ${m}`);
    };
    if (!EXTENSION_RE.test(ext)) e(key, 'extension names may use only A-Z a-z 0-9 _ + . - (up to 64)');
    if (!isObject(value)) {
      e(key, 'must be an object with a group');
      continue;
    }
    unknownKeys(value, EXTENSION_KEYS, key, e);
    const group = value['group'];
    if (group === undefined) e(`${key}.group`, 'is required');
    else if (typeof group !== 'string') e(`${key}.group`, 'must be a group name');
    else if (!Object.prototype.hasOwnProperty.call(groupsIn, group)) e(`${key}.group`, `unknown group "${group}"`);
    const mode = value['mode'];
    if (mode !== undefined && !isRecordingMode(mode)) e(`${key}.mode`, `must be one of ${RECORDING_MODES.join(', ')}`);
    if (typeof group === 'string' && isRecordingMode(mode)) extraModes.set(group, [...(extraModes.get(group) ?? []), mode]);
    if (typeof group === 'string') extensions[ext] = { group, ...(isRecordingMode(mode) ? { mode } : {}) };
  }

  const groups: Record<string, GroupSettings> = {};
  for (const [name, value] of Object.entries(groupsIn)) {
    if (!NAME_RE.test(name)) err(`${prefix}.groups.${name}`, 'group names may use only A-Z a-z 0-9 _ -');
    const checked = validateGroup(value, `${prefix}.groups.${name}`, extraModes.get(name) ?? []);
    errors.push(...checked.errors);
    if (checked.group) groups[name] = checked.group;
  }
  errors.push(...extErrors);

  if (errors.length > 0) return { ok: false, errors };
  return {
    ok: true,
    config: {
      legalNoticeAcknowledged: legal as boolean,
      directory: directory as string,
      format: format as 'wav' | 'mp3',
      retentionDays: retentionDays as number,
      groups,
      extensions,
    },
  };
}

export function assertRecordingConfig(raw: unknown): RecordingConfig {
  const result = validateRecordingConfig(raw);
  if (!result.ok) throw new RecordingConfigError(result.errors);
  return result.config;
}

function unknownKeys(value: Obj, allowed: readonly string[], key: string, err: (k: string, m: string) => void): void {
  for (const k of Object.keys(value)) if (!allowed.includes(k)) err(`${key}.${k}`, 'unknown key');
}

function validateGroup(
  value: unknown,
  key: string,
  extensionModes: readonly RecordingMode[],
): { readonly group?: GroupSettings; readonly errors: readonly string[] } {
  const errors: string[] = [];
  const err = (k: string, m: string): void => {
    errors.push(`${k}: ${m}`);
  };
  if (!isObject(value)) return { errors: [`${key}: must be an object`] };
  unknownKeys(value, GROUP_KEYS, key, err);

  const mode = value['mode'];
  if (mode === undefined) err(`${key}.mode`, 'is required');
  else if (!isRecordingMode(mode)) err(`${key}.mode`, `must be one of ${RECORDING_MODES.join(', ')}`);

  const channels = value['channels'] ?? GROUP_DEFAULTS.channels;
  if (channels !== 'caller' && channels !== 'agent' && channels !== 'both') err(`${key}.channels`, 'must be one of caller, agent, both');
  const announcements = value['announcements'] ?? GROUP_DEFAULTS.announcements;
  if (typeof announcements !== 'boolean') err(`${key}.announcements`, 'must be true or false');
  const reannounce = value['reannounceOnTransfer'] ?? GROUP_DEFAULTS.reannounceOnTransfer;
  if (typeof reannounce !== 'boolean') err(`${key}.reannounceOnTransfer`, 'must be true or false');
  const without = value['agentWithoutConsent'] ?? GROUP_DEFAULTS.agentWithoutConsent;
  if (without !== 'caller-only' && without !== 'none') err(`${key}.agentWithoutConsent`, 'must be one of caller-only, none');

  const loosen = value['perCallMayLoosenTo'] ?? GROUP_DEFAULTS.perCallMayLoosenTo;
  const loosenModes: RecordingMode[] = [];
  if (!Array.isArray(loosen)) err(`${key}.perCallMayLoosenTo`, 'must be a list of modes');
  else
    loosen.forEach((m: unknown, i: number) => {
      if (!isRecordingMode(m)) err(`${key}.perCallMayLoosenTo[${i}]`, `must be one of ${RECORDING_MODES.join(', ')}`);
      else loosenModes.push(m);
    });

  const timeout = value['consentTimeoutMs'] ?? GROUP_DEFAULTS.consentTimeoutMs;
  if (!Number.isInteger(timeout) || (timeout as number) < 1000) err(`${key}.consentTimeoutMs`, 'must be an integer ≥ 1000');
  const tries = value['consentTries'] ?? GROUP_DEFAULTS.consentTries;
  if (!Number.isInteger(tries) || (tries as number) < 1 || (tries as number) > 5) err(`${key}.consentTries`, 'must be an integer from 1 to 5');

  // Every mode this group's calls can run in through config: its own, its extensions', and
  // what a per-call override may loosen to. (Tightening per call can reach any lower mode;
  // without its prompt that mode simply cannot ask, so nothing records — fail closed.)
  const reachable = new Set<RecordingMode>([...(isRecordingMode(mode) ? [mode] : []), ...extensionModes, ...loosenModes]);

  const everyNth = value['everyNth'];
  if (everyNth !== undefined) {
    if (typeof everyNth !== 'number' || !Number.isInteger(everyNth)) err(`${key}.everyNth`, 'must be an integer');
    else if (everyNth < 1) err(`${key}.everyNth`, 'must be ≥ 1');
  } else if (reachable.has('every-nth')) err(`${key}.everyNth`, 'is required for mode every-nth');

  const manualKey = value['manualKey'];
  if (manualKey !== undefined) {
    if (typeof manualKey !== 'string' || !DTMF_RE.test(manualKey)) err(`${key}.manualKey`, 'must be one DTMF key (0-9, *, #, A-D)');
  } else if (reachable.has('manual')) err(`${key}.manualKey`, 'is required for mode manual');

  // Refused, not ignored: a target here would either bridge inside the daemon's socket (a
  // restart would cut the call) or disagree with the dialplan's own fallback bridge.
  if (value['target'] !== undefined) err(`${key}.target`, TARGET_MOVED);
  // The agent's key map: one DTMF key per action, never the same key for two actions.
  const pauseKey = value['pauseKey'];
  if (pauseKey !== undefined) {
    if (typeof pauseKey !== 'string' || !DTMF_RE.test(pauseKey)) err(`${key}.pauseKey`, 'must be one DTMF key (0-9, *, #, A-D)');
    else if (pauseKey === manualKey) err(`${key}.pauseKey`, `must differ from manualKey ("${manualKey}"): one key cannot both switch and pause the recording`);
  }
  const pauseMax = value['pauseMaxSeconds'];
  if (pauseMax !== undefined && (!Number.isInteger(pauseMax) || (pauseMax as number) < 5 || (pauseMax as number) > 900)) {
    err(`${key}.pauseMaxSeconds`, 'must be an integer from 5 to 900 (a forgotten pause must end by itself)');
  }
  const selfReview = value['agentSelfReview'];
  if (selfReview !== undefined && typeof selfReview !== 'boolean') err(`${key}.agentSelfReview`, 'must be true or false');
  const notifyMonitoring = value['notifyAgentOfMonitoring'];
  if (notifyMonitoring !== undefined && typeof notifyMonitoring !== 'boolean') err(`${key}.notifyAgentOfMonitoring`, 'must be true or false');

  // Lifecycle (README "Recording lifecycle"): kept per group, fixed on each recording when it is made.
  const groupRetention = value['retentionDays'];
  if (groupRetention !== undefined && (!Number.isInteger(groupRetention) || (groupRetention as number) < 1 || (groupRetention as number) > 36500)) {
    err(`${key}.retentionDays`, 'must be an integer from 1 to 36500');
  }
  const rawMailTo = value['mailTo'];
  const mailTo: string[] = [];
  if (rawMailTo !== undefined) {
    if (!Array.isArray(rawMailTo)) err(`${key}.mailTo`, 'must be a list of mail addresses');
    else
      rawMailTo.forEach((a: unknown, i: number) => {
        if (typeof a !== 'string' || a.length > 254 || !MAIL_RE.test(a)) err(`${key}.mailTo[${i}]`, 'must be a plain mail address (name@example.org)');
        else mailTo.push(a);
      });
  }
  const keepAfterMail = value['keepAfterMail'] ?? true;
  if (typeof keepAfterMail !== 'boolean') err(`${key}.keepAfterMail`, 'must be true or false');
  else if (!keepAfterMail && mailTo.length === 0) err(`${key}.keepAfterMail`, 'false ("do not keep") needs mailTo: the file is deleted only after it was delivered');
  const basis = legalBasisOf(value['legalBasis'], [...reachable]);
  if (!basis.ok) err(`${key}.legalBasis`, basis.reason);

  const rawPrompts = value['prompts'] ?? {};
  const prompts: Record<string, string> = {};
  if (!isObject(rawPrompts)) err(`${key}.prompts`, 'must be an object');
  else {
    unknownKeys(rawPrompts, PROMPT_KEYS, `${key}.prompts`, err);
    for (const p of PROMPT_KEYS) {
      const file = rawPrompts[p];
      if (file === undefined) continue;
      if (typeof file !== 'string' || !PROMPT_RE.test(file)) err(`${key}.prompts.${p}`, 'must be a file name without spaces or control characters');
      else prompts[p] = file;
    }
    const needed = new Map<keyof PromptFiles, string>();
    for (const m of RECORDING_MODES) {
      if (!reachable.has(m)) continue;
      for (const p of PROMPTS_FOR_MODE[m]) if (!needed.has(p)) needed.set(p, `is required for mode ${m}`);
    }
    const recordingModes = [...reachable].filter((m) => m !== 'disabled');
    if (announcements === true && recordingModes.length > 0) {
      const why = 'is required because announcements is true';
      if (!needed.has('recordingStarted')) needed.set('recordingStarted', why);
      if (recordingModes.some((m) => m === 'opt-in' || m === 'every-nth' || m === 'permanent-opt-out') && !needed.has('noRecording')) {
        needed.set('noRecording', why);
      }
      if (recordingModes.includes('every-nth') && !needed.has('recordingStopped')) needed.set('recordingStopped', why);
    }
    if (reannounce === true && recordingModes.length > 0 && !needed.has('reannouncement')) {
      needed.set('reannouncement', 'is required because reannounceOnTransfer is true');
    }
    for (const p of PROMPT_KEYS) {
      const why = needed.get(p);
      if (why !== undefined && rawPrompts[p] === undefined) err(`${key}.prompts.${p}`, why);
    }
  }

  if (errors.length > 0 || !isRecordingMode(mode)) return { errors };
  const group: GroupSettings = {
    mode,
    channels: channels as GroupSettings['channels'],
    announcements: announcements as boolean,
    reannounceOnTransfer: reannounce as boolean,
    agentWithoutConsent: without as GroupSettings['agentWithoutConsent'],
    ...(typeof everyNth === 'number' ? { everyNth } : {}),
    ...(typeof manualKey === 'string' ? { manualKey } : {}),
    ...(typeof pauseKey === 'string' ? { pauseKey } : {}),
    ...(typeof pauseMax === 'number' ? { pauseMaxSeconds: pauseMax } : {}),
    ...(typeof selfReview === 'boolean' ? { agentSelfReview: selfReview } : {}),
    ...(typeof notifyMonitoring === 'boolean' ? { notifyAgentOfMonitoring: notifyMonitoring } : {}),
    perCallMayLoosenTo: loosenModes,
    consentTimeoutMs: timeout as number,
    consentTries: tries as number,
    prompts,
    ...(typeof groupRetention === 'number' ? { retentionDays: groupRetention } : {}),
    ...(mailTo.length > 0 ? { mailTo, keepAfterMail: keepAfterMail as boolean } : {}),
    ...(basis.ok && basis.basis !== undefined ? { legalBasis: basis.basis } : {}),
  };
  return { group, errors };
}
