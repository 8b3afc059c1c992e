// Decides whether a finished recording may be deleted now, under which rule, or why it must be kept (legal hold first).

/** A legal hold that matches the recording (its call, or a party's number). */
export interface MatchingHold {
  readonly id: number;
  readonly kind: 'call' | 'number';
  readonly value: string;
  readonly reason: string;
}

export interface RetentionFacts {
  /** `foreign`/`foreign-stopped`: a recording callwarden did not start (someone else's uuid_record). */
  readonly status: 'recording' | 'converting' | 'ok' | 'bad' | 'deleted' | 'foreign' | 'foreign-stopped';
  /** ISO time the group's retention runs out (fixed when the recording was made). */
  readonly retentionUntil: string | null;
  readonly retentionDays: number | null;
  readonly group: string | null;
  /** false: the group does not keep recordings once mailed ("do not keep"). */
  readonly keepAfterMail: boolean;
  /** The mail with this recording was accepted by the SMTP server for every recipient. */
  readonly mailDelivered: boolean;
  readonly holds: readonly MatchingHold[];
}

export type RetentionVerdict =
  | { readonly action: 'delete'; readonly rule: string }
  | { readonly action: 'hold'; readonly reason: string }
  | { readonly action: 'keep'; readonly reason: string };

/**
 * A legal hold blocks every deletion (a court or regulator asked for the data: deleting it
 * would destroy evidence). Without one, "do not keep" deletes once the mail was delivered,
 * and retention deletes at its date. A file still being written or converted is never due,
 * nor one callwarden did not start: it never reads, judges or deletes someone else's file.
 */
export function retentionVerdict(f: RetentionFacts, now: string): RetentionVerdict {
  if (f.status === 'deleted') return { action: 'keep', reason: 'already deleted' };
  if (f.status === 'foreign' || f.status === 'foreign-stopped') return { action: 'keep', reason: 'not started by callwarden' };
  if (f.status === 'recording' || f.status === 'converting') return { action: 'keep', reason: `still being ${f.status === 'recording' ? 'recorded' : 'converted'}` };
  const doNotKeep = !f.keepAfterMail && f.mailDelivered;
  const expired = f.retentionUntil !== null && f.retentionUntil <= now;
  if (!doNotKeep && !expired) return { action: 'keep', reason: f.retentionUntil === null ? 'no retention date' : `kept until ${f.retentionUntil}` };
  if (f.holds.length > 0) {
    return { action: 'hold', reason: `legal hold ${f.holds.map((h) => `#${h.id} (${h.kind} ${h.value}: ${h.reason})`).join(', ')}` };
  }
  if (doNotKeep) return { action: 'delete', rule: `do-not-keep: mailed and delivered (group ${f.group ?? '?'})` };
  return { action: 'delete', rule: `retention: ${f.retentionDays ?? '?'} day(s) (group ${f.group ?? 'global'}) ended ${f.retentionUntil}` };
}

/**
 * A phone number as holds compare it: a SIP URI's user part, then only a leading + and
 * digits. Undefined when fewer than 3 digits remain (not a number a hold could name).
 */
export function normalisePhoneNumber(raw: string): string | undefined {
  let s = raw.trim();
  const sip = /^sips?:([^@;]+)/i.exec(s);
  if (sip) s = sip[1]!;
  const plus = s.startsWith('+') || s.startsWith('00');
  const digits = s.replace(/^00/, '').replace(/\D/g, '');
  if (digits.length < 3 || digits.length > 32) return undefined;
  return `${plus ? '+' : ''}${digits}`;
}
