// Decides that no new recording starts while the recording volume is below its critical free space (fed by a disk probe).

import { close, note, type PolicyRule } from './policy-rule';

export type StorageLevel = 'ok' | 'low' | 'critical';

/** What the disk probe says about the recording volume, as a policy input. */
export interface StorageState {
  readonly level: StorageLevel;
  readonly freeMb: number;
  readonly criticalFreeMb: number;
}

/** Classifies free space against the configured thresholds (MB). */
export function storageLevel(freeBytes: number, thresholds: { warnFreeMb: number; criticalFreeMb: number }): StorageLevel {
  const freeMb = freeBytes / 1_048_576;
  if (freeMb < thresholds.criticalFreeMb) return 'critical';
  if (freeMb < thresholds.warnFreeMb) return 'low';
  return 'ok';
}

/**
 * A recording that cannot be written whole is no recording: below the critical threshold a
 * new one does not start (and the caller is not asked for a consent that could lead nowhere).
 * The feed sets `critical` only for calls with no recording running, so a running one is
 * never cut short by this rule. Absent input (no probe) means not known to be short.
 */
export const storageGate: PolicyRule = (input, draft) => {
  const s = input.storage;
  if (s === undefined) return draft; // not probed: nothing to say, and no trail entry
  if (s.level !== 'critical') return note(draft, `storage:${s.level}`);
  return close(
    draft,
    'storage:critical',
    { reason: `no recording: the recording volume has ${Math.floor(s.freeMb)} MB free, below the critical ${s.criticalFreeMb} MB (lifecycle.storage.criticalFreeMb)` },
    false,
  );
};
