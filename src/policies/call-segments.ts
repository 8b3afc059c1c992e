// Splits a call into numbered recording segments: each transfer and each manual restart opens one.

import type { ManualPress, Transfer } from './policy-input';

export interface SegmentState {
  /** 1-based; becomes part of the file name, so each segment is its own file. */
  readonly number: number;
  /** The current segment was opened by a transfer (re-announcement may be due). */
  readonly afterTransfer: boolean;
  /** Manual toggles only: the agent's last effective press was start. */
  readonly manualOn: boolean;
  /** Manual toggles only: the current segment was stopped by the agent (it had run). */
  readonly manualStopped: boolean;
}

type Step = { readonly kind: 'transfer'; readonly at: number } | { readonly kind: ManualPress['action']; readonly at: number };

/**
 * Walks transfers and presses in time order (a transfer first when times tie). A transfer
 * opens a new segment once the current one has been used, so the new agent's part is a
 * separate file (each agent's consent and identity differ). With `manual`, a start after
 * a stop opens a new segment; repeated starts or stops are ignored, as the phone's
 * function key may bounce.
 */
export function callSegments(
  transfers: readonly Transfer[],
  presses: readonly ManualPress[],
  manual: boolean,
): SegmentState {
  const steps: Step[] = [
    ...transfers.map((t): Step => ({ kind: 'transfer', at: t.at })),
    ...(manual ? presses.map((p): Step => ({ kind: p.action, at: p.at })) : []),
  ];
  // Stable sort keeps input order for equal times; transfers were put first.
  steps.sort((a, b) => a.at - b.at);

  let number = 1;
  let used = !manual; // automatic modes: segment 1 is the call's first part
  let afterTransfer = false;
  let on = false;
  let stopped = false;
  for (const step of steps) {
    if (step.kind === 'transfer') {
      if (used) number += 1;
      used = manual ? on : true;
      afterTransfer = true;
      stopped = false;
    } else if (step.kind === 'start') {
      if (on) continue;
      if (used) number += 1;
      used = true;
      on = true;
      afterTransfer = false;
      stopped = false;
    } else {
      if (!on) continue;
      on = false;
      stopped = true;
    }
  }
  return { number, afterTransfer, manualOn: on, manualStopped: stopped };
}

/**
 * Reads the agent's presses of the record key as alternating start / stop, in order: the
 * key is a toggle (DESIGN.md: "again to stop").
 */
export function manualPressesFromDigits(
  digits: readonly { readonly digit: string; readonly at: number }[],
  key: string,
): ManualPress[] {
  const presses: ManualPress[] = [];
  for (const d of digits) {
    if (d.digit !== key) continue;
    presses.push({ action: presses.length % 2 === 0 ? 'start' : 'stop', at: d.at });
  }
  return presses;
}
