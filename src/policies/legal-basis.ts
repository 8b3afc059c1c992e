// Decides which GDPR Art. 6(1) legal basis a recording group rests on, and whether its config may record on it.

import type { RecordingMode } from './recording-mode';

/** GDPR Art. 6(1) (a)–(f). */
export const LEGAL_BASES = ['consent', 'contract', 'legal-obligation', 'vital-interests', 'public-task', 'legitimate-interests'] as const;
export type LegalBasis = (typeof LEGAL_BASES)[number];

export const LEGAL_BASIS_ARTICLE: Readonly<Record<LegalBasis, string>> = {
  consent: 'GDPR Art. 6(1)(a) consent',
  contract: 'GDPR Art. 6(1)(b) contract',
  'legal-obligation': 'GDPR Art. 6(1)(c) legal obligation',
  'vital-interests': 'GDPR Art. 6(1)(d) vital interests',
  'public-task': 'GDPR Art. 6(1)(e) public task',
  'legitimate-interests': 'GDPR Art. 6(1)(f) legitimate interests',
};

export function isLegalBasis(value: unknown): value is LegalBasis {
  return typeof value === 'string' && (LEGAL_BASES as readonly string[]).includes(value);
}

/**
 * The basis a group records on: what it configures, or `consent` for a group that can only
 * record after the caller's 1 (`opt-in`) — nothing else is possible there. A group that can
 * record in any other mode must name its basis; a group that never records needs none.
 * Returns the basis, or the sentence that says what is wrong.
 */
export function legalBasisOf(configured: unknown, reachableModes: readonly RecordingMode[]): { ok: true; basis: LegalBasis | undefined } | { ok: false; reason: string } {
  const recording = reachableModes.filter((m) => m !== 'disabled');
  if (configured !== undefined && !isLegalBasis(configured)) return { ok: false, reason: `must be one of ${LEGAL_BASES.join(', ')} (GDPR Art. 6(1))` };
  if (recording.length === 0) return { ok: true, basis: configured };
  if (recording.every((m) => m === 'opt-in')) {
    if (configured !== undefined && configured !== 'consent') return { ok: false, reason: 'opt-in records only with the caller\'s consent: the legal basis is "consent"' };
    return { ok: true, basis: 'consent' };
  }
  if (configured === undefined) return { ok: false, reason: `is required for a group that can record in mode ${recording.filter((m) => m !== 'opt-in').join(', ')} (one of ${LEGAL_BASES.join(', ')}; GDPR Art. 6(1))` };
  return { ok: true, basis: configured };
}
