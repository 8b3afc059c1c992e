// Decides whether this call is one of the agent's sampled calls in `every-nth` mode.

import { close, note, type PolicyRule } from './policy-rule';

/**
 * The agent's call number comes from a shared database counter (several daemons may serve
 * one agent), so the call is sampled iff number % N === 0: calls N, 2N, 3N … Without a
 * number or a valid N nothing is sampled (fail closed).
 */
export function isSampled(callNumber: number | undefined, everyNth: number | undefined): boolean {
  if (callNumber === undefined || everyNth === undefined) return false;
  if (!Number.isInteger(callNumber) || !Number.isInteger(everyNth) || everyNth < 1 || callNumber < 1) return false;
  return callNumber % everyNth === 0;
}

export const everyNthSampling: PolicyRule = (input, draft) => {
  if (draft.mode !== 'every-nth') return draft;
  const n = input.group.everyNth;
  const k = input.agentCallNumber;
  if (isSampled(k, n)) return note(draft, `every-nth:sampled(${k}%${n})`);
  const reason =
    k === undefined
      ? "not sampled: the agent's call number is unknown"
      : n === undefined || !Number.isInteger(n) || n < 1
        ? 'not sampled: the group has no valid everyNth'
        : `not sampled: this is call ${k} of the agent and only every ${ordinal(n)} call is recorded`;
  return close(draft, `every-nth:not-sampled(${k ?? '?'}%${n ?? '?'})`, { reason }, false);
};

function ordinal(n: number): string {
  const tens = n % 100;
  if (tens >= 11 && tens <= 13) return `${n}th`;
  return `${n}${({ 1: 'st', 2: 'nd', 3: 'rd' } as Record<number, string>)[n % 10] ?? 'th'}`;
}
