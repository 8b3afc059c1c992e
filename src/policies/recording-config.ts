// The recording section of the configuration, its defaults, and how an extension finds its settings.

import type { GroupSettings } from './policy-input';
import type { RecordingMode } from './recording-mode';
import type { RecordingFormat } from './recording-file-name';

export interface ExtensionSettings {
  readonly group: string;
  /** Overrides the group's mode for this extension, in either direction (see effective-mode). */
  readonly mode?: RecordingMode;
}

export interface RecordingConfig {
  /** Nothing records until the operator sets this to true (the legal-notice gate). */
  readonly legalNoticeAcknowledged: boolean;
  readonly directory: string;
  readonly format: RecordingFormat;
  /** Days a recording is kept before retention deletes it. */
  readonly retentionDays: number;
  readonly groups: Readonly<Record<string, GroupSettings>>;
  /** Only extensions listed here can ever be recorded; every other one is `disabled`. */
  readonly extensions: Readonly<Record<string, ExtensionSettings>>;
}

/** Fields a group may leave out, and what they become. */
export const GROUP_DEFAULTS = {
  channels: 'both',
  announcements: true,
  reannounceOnTransfer: true,
  // The safer choice: an agent without consent on file means no recording at all.
  agentWithoutConsent: 'none',
  perCallMayLoosenTo: [] as readonly RecordingMode[],
  // As in the captured consent flow: 10 s for a key, prompt played up to twice.
  consentTimeoutMs: 10000,
  consentTries: 2,
} as const;

export const RECORDING_DEFAULTS: RecordingConfig = {
  legalNoticeAcknowledged: false,
  directory: '/var/lib/freeswitch/recordings',
  format: 'mp3',
  retentionDays: 90,
  groups: {},
  extensions: {},
};

/** What an extension that is not enabled in config gets: never recorded, nobody asked. */
export const DISABLED_GROUP: GroupSettings = {
  mode: 'disabled',
  channels: GROUP_DEFAULTS.channels,
  announcements: false,
  reannounceOnTransfer: false,
  agentWithoutConsent: 'none',
  perCallMayLoosenTo: [],
  consentTimeoutMs: GROUP_DEFAULTS.consentTimeoutMs,
  consentTries: GROUP_DEFAULTS.consentTries,
  prompts: {},
};

export interface ExtensionPolicy {
  readonly groupName?: string;
  readonly group: GroupSettings;
  readonly extensionMode?: RecordingMode;
}

/** The settings that govern an agent extension; unknown extensions stay disabled. */
export function policyForExtension(config: RecordingConfig, extension: string | undefined): ExtensionPolicy {
  const ext = extension === undefined ? undefined : Object.prototype.hasOwnProperty.call(config.extensions, extension) ? config.extensions[extension] : undefined;
  if (!ext) return { group: DISABLED_GROUP };
  const group = Object.prototype.hasOwnProperty.call(config.groups, ext.group) ? config.groups[ext.group] : undefined;
  if (!group) return { group: DISABLED_GROUP };
  return { groupName: ext.group, group, ...(ext.mode !== undefined ? { extensionMode: ext.mode } : {}) };
}
