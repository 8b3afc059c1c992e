// The six recording modes, how strongly each records, and which caller prompt each needs.

/** The group settings contact-centre suites offer (DESIGN.md "Recording modes"). */
export type RecordingMode = 'disabled' | 'opt-in' | 'every-nth' | 'manual' | 'permanent-opt-out' | 'permanent';

export const RECORDING_MODES: readonly RecordingMode[] = [
  'disabled',
  'opt-in',
  'every-nth',
  'manual',
  'permanent-opt-out',
  'permanent',
];

export function isRecordingMode(value: unknown): value is RecordingMode {
  return typeof value === 'string' && (RECORDING_MODES as readonly string[]).includes(value);
}

/**
 * How much a mode records without the caller's explicit "1", lowest first. An override
 * "tightens" when it moves to a lower rank. manual sits below every-nth because a
 * manual recording only runs after an agent's deliberate, announced key press, while
 * every-nth starts on its own; both sit below the permanent modes.
 */
const RANK: Readonly<Record<RecordingMode, number>> = {
  disabled: 0,
  'opt-in': 1,
  manual: 2,
  'every-nth': 3,
  'permanent-opt-out': 4,
  permanent: 5,
};

export function modeRank(mode: RecordingMode): number {
  return RANK[mode];
}

/**
 * What the caller hears before anything is recorded:
 * - consent-menu: "press 1 to agree, 9 to object"; only a 1 allows recording (GDPR Art. 7);
 * - notice-with-objection: "this call is recorded, press 9 to object" (opt-out);
 * - notice: "this call is recorded" — a 9 is logged but does not stop a permanent recording;
 * - none: no prompt (disabled; manual, which announces each start instead).
 */
export type ConsentPromptKind = 'none' | 'consent-menu' | 'notice-with-objection' | 'notice';

export function consentPromptForMode(mode: RecordingMode): ConsentPromptKind {
  switch (mode) {
    case 'opt-in':
      return 'consent-menu';
    case 'every-nth':
    case 'permanent-opt-out':
      return 'notice-with-objection';
    case 'permanent':
      return 'notice';
    case 'disabled':
    case 'manual':
      return 'none';
  }
}
