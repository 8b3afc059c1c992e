// What a daemon that (re)starts mid-call knows of that call, rebuilt from the evidence and recordings rows (pure).

import type { ConsentOnFile, ConsentState, PauseRequest, Transfer } from '../policies';
import type { EvidenceRecord, RecordingRecord } from '../store';
import type { DigitPress, LegRole, Micros } from '../streams';

export interface AdoptedCall {
  /** The caller's answer as the last run's consent flow collected it; 'not-asked' when none is on record. */
  readonly consent: ConsentState;
  readonly consentAnsweredAt?: Micros;
  /** Keys pressed before this daemon started (a withdrawal 9, the agent's record key). */
  readonly digits: readonly DigitPress[];
  /** Transfers before this daemon started, so segment numbers (file names) go on where they were. */
  readonly transfers: readonly Transfer[];
  /** The agent facts the last run took (every-nth: the call number is never taken twice). */
  readonly agent?: { readonly extension: string; readonly consent: ConsentOnFile; readonly callNumber?: number };
  /** Files the last run saw start and not stop. */
  readonly running: readonly string[];
  /** Announcement ids already played. */
  readonly announced: readonly string[];
  /**
   * Live-operations pauses / resumes of the last run (the agent's pause key comes back with
   * the digits), so a running pause survives a restart instead of unmasking the file.
   */
  readonly pauseRequests?: readonly PauseRequest[];
  /** pause_started / pause_ended rows already written: the same spans are not logged twice. */
  readonly pausesLogged?: { readonly started: number; readonly ended: number };
  /** What the adoption rests on, for the `adopted` evidence row. */
  readonly summary: Readonly<Record<string, unknown>>;
}

const CONSENT_OUTCOMES: readonly ConsentState[] = ['given', 'refused', 'timeout', 'invalid'];
const ROLES: readonly LegRole[] = ['caller', 'agent', 'supervisor'];

const isoMicros = (iso: unknown): Micros | undefined => {
  const ms = typeof iso === 'string' ? Date.parse(iso) : NaN;
  return Number.isFinite(ms) ? ms * 1000 : undefined;
};

/**
 * Nothing here is guessed in the caller's disfavour: no consent row means 'not-asked' (so
 * nothing records), and an unreadable row is skipped. Segments: in the automatic modes each
 * segment after the first was opened by a transfer, so the last decision's segment tells how
 * many; in `manual` the replayed key presses open them, plus the transfer the handler saw.
 */
export function adoptedCallFrom(evidence: readonly EvidenceRecord[], recordings: readonly RecordingRecord[]): AdoptedCall {
  let consent: ConsentState = 'not-asked';
  let consentAnsweredAt: Micros | undefined;
  const digits: DigitPress[] = [];
  const announced = new Set<string>();
  let agent: AdoptedCall['agent'];
  let lastDecision: { segment?: unknown; mode?: unknown } | undefined;
  let transferRows: number[] = [];
  const pauseRequests: PauseRequest[] = [];
  const pausesLogged = { started: 0, ended: 0 };
  for (const row of evidence) {
    const d = (row.detail ?? {}) as Record<string, unknown>;
    switch (row.kind) {
      case 'prompt_played':
        if (d.app === 'play_and_get_digits' && consent === 'not-asked') consent = 'asked';
        if (typeof d.id === 'string') announced.add(d.id);
        break;
      case 'consent':
        if (CONSENT_OUTCOMES.includes(d.outcome as ConsentState)) {
          consent = d.outcome as ConsentState;
          consentAnsweredAt = typeof d.answeredAt === 'number' ? d.answeredAt : isoMicros(row.at);
        }
        break;
      case 'digit_pressed':
        if (typeof d.digit === 'string' && typeof d.leg === 'string' && ROLES.includes(d.role as LegRole)) {
          const at = isoMicros(d.at);
          digits.push({ leg: d.leg, role: d.role as LegRole, digit: d.digit, ...(at !== undefined ? { at } : {}) });
        }
        break;
      case 'command_sent':
        if (d.command === 'announce' && d.ok === true && typeof d.id === 'string') announced.add(d.id);
        break;
      case 'agent_facts':
        if (typeof d.extension === 'string') {
          const onFile: ConsentOnFile = d.consentOnFile === 'yes' || d.consentOnFile === 'no' ? d.consentOnFile : 'unknown';
          agent = { extension: d.extension, consent: onFile, ...(typeof d.callNumber === 'number' ? { callNumber: d.callNumber } : {}) };
        }
        break;
      case 'decision':
        lastDecision = d;
        break;
      case 'transfer':
        transferRows = [...transferRows, isoMicros(row.at) ?? 0];
        break;
      case 'pause_started':
      case 'pause_ended': {
        if (row.kind === 'pause_started') pausesLogged.started++;
        else pausesLogged.ended++;
        const at = isoMicros(d.at);
        if (d.via === 'live-ops' && at !== undefined && typeof d.by === 'string') {
          pauseRequests.push({ kind: row.kind === 'pause_started' ? 'pause' : 'resume', at, by: d.by, via: 'live-ops' });
        }
        break;
      }
    }
  }
  const segment = typeof lastDecision?.segment === 'number' ? lastDecision.segment : 1;
  const transfers: Transfer[] =
    lastDecision?.mode === 'manual'
      ? transferRows.map((at) => ({ at }))
      : // Before anything this run sees; distinct times keep the segment walk's sort well defined.
        Array.from({ length: Math.max(0, segment - 1) }, (_, i) => ({ at: Number.MIN_SAFE_INTEGER + i }));
  const running = recordings.filter((r) => r.status === 'recording' && !r.stoppedAt).map((r) => r.filePath);
  return {
    consent,
    ...(consentAnsweredAt !== undefined ? { consentAnsweredAt } : {}),
    digits,
    transfers,
    ...(agent !== undefined ? { agent } : {}),
    running,
    announced: [...announced],
    pauseRequests,
    pausesLogged,
    summary: {
      consent,
      digits: digits.length,
      transfers: transfers.length,
      agent: agent?.extension ?? null,
      running,
      announced: [...announced],
      lastSegment: segment,
      pauses: pausesLogged.started,
    },
  };
}
