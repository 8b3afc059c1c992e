// Names each recording file after its call, segment and channels, from safe characters only.

import type { RecordingChannels } from './policy-input';

export type RecordingFormat = 'wav' | 'mp3';

/**
 * `<dir>/<call-id>/<segment>-<channels>.<format>`, e.g. `/rec/0d2d…/01-both.mp3`. The path
 * ends up as one word of an `api uuid_record` command, so anything outside
 * [A-Za-z0-9._-] in the call id becomes `_` (no spaces, slashes or line breaks can reach
 * the command) and a leading dot is replaced (no `..`). The directory comes from validated
 * config. The extension picks the format in FreeSWITCH (.mp3 needs mod_shout).
 */
export function recordingPath(
  directory: string,
  callId: string,
  segment: number,
  channels: RecordingChannels,
  format: RecordingFormat,
): string {
  const dir = directory.replace(/\/+$/, '');
  const seg = String(Math.max(1, Math.trunc(segment))).padStart(2, '0');
  return `${dir}/${safeFileWord(callId)}/${seg}-${channels}.${format}`;
}

export function safeFileWord(text: string): string {
  const cleaned = text.replace(/[^A-Za-z0-9._-]/g, '_').replace(/^\.+/, (dots) => '_'.repeat(dots.length));
  return cleaned === '' ? '_' : cleaned.slice(0, 128);
}
