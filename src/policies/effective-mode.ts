// Which mode governs this call: the group's, the extension's override, then the per-call override.
//
// The rule (README "Override rule"):
// 1. The group's mode is the base.
// 2. The extension's mode from config replaces it in either direction: it is the operator's
//    own, validated, version-controlled decision, the same authority as the group.
// 3. The per-call override (channel variable callwarden_policy) may only TIGHTEN (move to a
//    mode of lower modeRank). It may loosen only to a mode the group lists in
//    perCallMayLoosenTo (e.g. an opt-in group whose advice-line DID must be `permanent`
//    under MiFID II Art. 16(7)), and never:
//    - from `disabled`: an extension nobody enabled has no legal review and no informed
//      agents; a channel variable, which a careless dialplan may copy from a SIP header,
//      must not be able to make recording happen there (StGB §201);
//    - from `permanent`: that group must record every call by law; no routing may waive it.
//    An unknown value is read as `disabled` (fail closed): the routing meant to change the
//    policy, and less recording is the only direction that cannot break §201.

import { isRecordingMode, modeRank, type RecordingMode } from './recording-mode';

export type ModeSource = 'group' | 'extension' | 'call';

export interface EffectiveMode {
  readonly mode: RecordingMode;
  readonly source: ModeSource;
  /** Rule trail entries, in order. */
  readonly trail: readonly string[];
}

export function effectiveMode(
  groupMode: RecordingMode,
  extensionMode: RecordingMode | undefined,
  callOverride: string | undefined,
  perCallMayLoosenTo: readonly RecordingMode[],
): EffectiveMode {
  const trail = [`mode:group=${groupMode}`];
  let mode = groupMode;
  let source: ModeSource = 'group';
  if (extensionMode !== undefined && extensionMode !== mode) {
    mode = extensionMode;
    source = 'extension';
    trail.push(`mode:extension=${extensionMode}`);
  }
  const raw = callOverride?.trim();
  if (raw === undefined || raw === '') return { mode, source, trail };

  const known = isRecordingMode(raw);
  const wanted: RecordingMode = known ? raw : 'disabled';
  const label = known ? raw : `unknown(${sanitizeForTrail(raw)})->disabled`;
  if (mode === 'permanent') {
    trail.push(`per-call-override:${label}:ignored(permanent cannot be changed)`);
  } else if (wanted === mode) {
    trail.push(`per-call-override:${label}:same`);
  } else if (modeRank(wanted) < modeRank(mode)) {
    trail.push(`per-call-override:${label}:accepted(tightens)`);
    mode = wanted;
    source = 'call';
  } else if (mode === 'disabled') {
    trail.push(`per-call-override:${label}:rejected(cannot enable a disabled extension)`);
  } else if (perCallMayLoosenTo.includes(wanted)) {
    trail.push(`per-call-override:${label}:accepted(loosening allowed by perCallMayLoosenTo)`);
    mode = wanted;
    source = 'call';
  } else {
    trail.push(`per-call-override:${label}:rejected(would loosen)`);
  }
  return { mode, source, trail };
}

/** Keeps a caller-influenced value from smuggling odd characters into the audit trail. */
function sanitizeForTrail(text: string): string {
  return text.replace(/[^A-Za-z0-9_.-]/g, '?').slice(0, 40);
}
