// Decides when a running recording is paused for sensitive input (PCI DSS: card numbers): the agent's pause key, live operations, the maximum.

import type { PolicyInput } from './policy-input';
import { qualify, type PolicyRule } from './policy-rule';

/** Default longest pause: enough to read out a card number and its security code, short enough that a forgotten pause ends by itself. */
export const DEFAULT_PAUSE_MAX_SECONDS = 120;

/**
 * One request to pause or resume. The agent's pause key toggles (each press flips the
 * state); live operations ask explicitly. Times are FreeSWITCH's clock (µs), like
 * ManualPress.at: a key press carries its DTMF event's time.
 */
export interface PauseRequest {
  readonly kind: 'toggle' | 'pause' | 'resume';
  readonly at: number;
  /** Who asked, for the evidence: "agent 1001" or the live-ops user name. */
  readonly by: string;
  readonly via: 'key' | 'live-ops';
}

/** One pause, from when it began to when it ended (or still running). */
export interface PauseSpan {
  readonly from: number;
  readonly startedBy: string;
  readonly startedVia: 'key' | 'live-ops';
  /** Set once the pause ended. */
  readonly to?: number;
  /** Who ended it: a person (by name) or the configured maximum. */
  readonly endedBy?: string;
  readonly endedVia?: 'key' | 'live-ops' | 'maximum';
}

export interface PauseState {
  readonly paused: boolean;
  /** The running pause, if any. */
  readonly current?: PauseSpan;
  /** When the running pause ends by itself (µs), if nobody resumes first. */
  readonly resumesAt?: number;
  /** Every pause up to `now`, in order (the evidence logs each start and end once). */
  readonly spans: readonly PauseSpan[];
}

/**
 * Folds the requests (in time order; ties keep their given order) into pauses as they stand
 * at `now`: a pause ends at the next toggle or resume, or at `from + max`, whichever is first.
 * A request after `now` is not counted yet. Pure and total: any list of requests yields
 * non-overlapping spans in time order.
 */
export function pauseStateAt(requests: readonly PauseRequest[], maxSeconds: number, now: number): PauseState {
  const maxUs = Math.max(1, Math.round(maxSeconds * 1e6));
  const ordered = requests
    .map((r, i) => ({ r, i }))
    .filter(({ r }) => Number.isFinite(r.at) && r.at <= now)
    .sort((a, b) => a.r.at - b.r.at || a.i - b.i)
    .map(({ r }) => r);
  const spans: PauseSpan[] = [];
  let open: PauseSpan | undefined;
  const closeAt = (to: number, endedBy: string, endedVia: NonNullable<PauseSpan['endedVia']>): void => {
    if (open) spans.push({ ...open, to, endedBy, endedVia });
    open = undefined;
  };
  for (const r of ordered) {
    // The maximum ended the running pause before this request arrived.
    if (open && r.at >= open.from + maxUs) closeAt(open.from + maxUs, 'the maximum pause length', 'maximum');
    const wantPause = r.kind === 'pause' || (r.kind === 'toggle' && open === undefined);
    if (wantPause && open === undefined) open = { from: r.at, startedBy: r.by, startedVia: r.via };
    else if (!wantPause && open !== undefined) closeAt(r.at, r.by, r.via);
  }
  if (open && now >= open.from + maxUs) closeAt(open.from + maxUs, 'the maximum pause length', 'maximum');
  if (open) return { paused: true, current: open, resumesAt: open.from + maxUs, spans: [...spans, open] };
  return { paused: false, spans };
}

/**
 * The agent's pause key (per group, `pauseKey`) read from the digits the agent pressed during
 * the call; nothing when the group has no pause key. The manual-record key is a different key
 * (the validator refuses the same key for both).
 */
export function pauseRequestsFromDigits(digits: readonly { readonly digit: string; readonly at: number }[], key: string | undefined, agent: string): PauseRequest[] {
  if (key === undefined) return [];
  return digits.filter((d) => d.digit === key).map((d) => ({ kind: 'toggle', at: d.at, by: `agent ${agent}`, via: 'key' }));
}

/**
 * While a pause runs, the running recording is masked (uuid_record … mask: the file keeps
 * its length with silence). Last in every recording mode: it only ever adds a mask to a
 * recording that the rules before it allowed, so a pause can never start a recording
 * (and reconcile never starts a file while a mask is wanted).
 */
export const sensitivePause: PolicyRule = (input, draft) => {
  const state = input.pause;
  if (state === undefined || !state.paused || state.current === undefined) return draft;
  return {
    ...qualify(draft, `pause:on(${state.current.startedVia})`, `the recording is paused for sensitive input (asked by ${state.current.startedBy})`),
    masked: true,
  };
};

export interface PauseVerdict {
  readonly ok: boolean;
  readonly reason: string;
}

/**
 * May this pause / resume request be taken (live operations; the key is always taken and
 * simply has nothing to mask while nothing records)? A pause is accepted only while the call
 * is being recorded — it masks, it never starts anything — and a resume only while paused.
 * `recording`: FreeSWITCH confirmed a running recording (RECORD_START), not just a decision.
 */
export function judgePauseRequest(input: Pick<PolicyInput, 'legalNoticeAcknowledged'>, state: PauseState, recording: boolean, action: 'pause' | 'resume'): PauseVerdict {
  if (action === 'pause') {
    if (!input.legalNoticeAcknowledged || !recording) return { ok: false, reason: 'nothing is being recorded on this call: there is nothing to pause (a pause never starts a recording)' };
    if (state.paused) return { ok: true, reason: `already paused (since the request of ${state.current?.startedBy ?? 'someone'})` };
    return { ok: true, reason: 'the recording is paused (masked) until resumed or until the maximum pause length' };
  }
  if (!state.paused) return { ok: false, reason: 'the recording is not paused' };
  return { ok: true, reason: 'the recording resumes' };
}
