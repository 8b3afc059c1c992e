// Random but reproducible reducer workloads (own PRNG, so a seed means the same ops whatever the library versions), and a strict hash of every state they pass through.

import { createHash } from 'node:crypto';
import type { CloseReason } from '../../src/streams/channel-message';
import type { CallState, LegRole } from '../../src/streams/call-state';
import type { ChannelFacts } from '../../src/streams/freeswitch-fields';
import type * as Reducer from '../../src/streams/reduce-call';

type ReducerModule = Pick<typeof Reducer, 'emptyCall' | 'reduceCall' | 'closeLeg' | 'detachLeg' | 'attachLeg'>;

export type ReducerOp =
  | { readonly kind: 'reduce'; readonly which: 0 | 1; readonly facts: ChannelFacts; readonly role: LegRole }
  | { readonly kind: 'close'; readonly which: 0 | 1; readonly uuid: string; readonly reason: CloseReason }
  | { readonly kind: 'move'; readonly which: 0 | 1; readonly uuid: string; readonly role: LegRole };

export const LEGS = ['aaaaaaaa-0000-4000-8000-000000000001', 'bbbbbbbb-0000-4000-8000-000000000002', 'cccccccc-0000-4000-8000-000000000003', 'dddddddd-0000-4000-8000-000000000004'];
const NAMES = ['CHANNEL_CREATE', 'CHANNEL_ANSWER', 'CHANNEL_BRIDGE', 'CHANNEL_UNBRIDGE', 'CHANNEL_HOLD', 'CHANNEL_UNHOLD', 'CHANNEL_DATA', 'CHANNEL_EXECUTE', 'CHANNEL_EXECUTE_COMPLETE', 'CHANNEL_HANGUP', 'CHANNEL_HANGUP_COMPLETE', 'CHANNEL_DESTROY', 'DTMF', 'RECORD_START', 'RECORD_STOP', 'PLAYBACK_START', 'PLAYBACK_STOP', 'CHANNEL_PROGRESS', 'CHANNEL_CALLSTATE'];

/** mulberry32: small, fast, and the same numbers on every platform. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `length` ops over two calls sharing four legs: events of every kind with random headers, closes, and legs moving between the calls. */
export function reducerOps(seed: number, length: number): ReducerOp[] {
  const rnd = prng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const some = <T>(xs: readonly T[]): T | undefined => (rnd() < 0.6 ? undefined : pick(xs));
  const time = (): number => 1_795_000_000_000_000 + Math.floor(rnd() * 100_000);
  const which = (): 0 | 1 => (rnd() < 0.5 ? 0 : 1);
  const roles: LegRole[] = ['caller', 'agent', 'supervisor'];
  const ops: ReducerOp[] = [];
  for (let i = 0; i < length; i++) {
    const r = rnd();
    if (r < 0.8) {
      const raw: Record<string, unknown> = {
        eventName: pick(NAMES),
        uniqueId: pick(LEGS),
        coreUuid: some(['core-1', 'core-2']),
        hostname: some(['h1', 'h2']),
        timestamp: rnd() < 0.3 ? undefined : time(),
        channelName: some(['sofia/a', 'sofia/b']),
        channelState: some(['CS_EXECUTE', 'CS_HANGUP']),
        callState: some(['ACTIVE', 'HELD', 'RINGING', 'HANGUP']),
        answerState: some(['answered', 'hangup', 'ringing', 'early']),
        direction: some(['inbound', 'outbound']),
        callerNumber: some(['1000', '2000']),
        destination: some(['5001', '1001']),
        calleeNumber: some(['1001', '1002']),
        otherLeg: some(LEGS),
        bridgeA: some(LEGS),
        bridgeB: some(LEGS),
        hangupCause: some(['NORMAL_CLEARING', 'USER_BUSY']),
        application: some(['eavesdrop', 'playback', 'hash']),
        applicationData: some([...LEGS, 'all', ` ${LEGS[1]}`]),
        dtmfDigit: some(['0', '1', '2', '3', '5', '#']),
        recordFilePath: some(['/r/1.wav', '/r/2.wav']),
        playbackFilePath: some(['/p/1.wav', '/p/2.wav']),
        createdTime: rnd() < 0.7 ? undefined : time(),
        answeredTime: rnd() < 0.7 ? undefined : time(),
        bridgedTime: rnd() < 0.7 ? undefined : time(),
        agent: some(['1001', '1002']),
        group: some(['g1', 'g2']),
        policy: some(['p1']),
        noRecord: some([true, false]),
        eavesdropDtmf: some([true, false]),
        eavesdropWhisper: some(['aleg', 'bleg']),
        eavesdropKeys: some(['0123', '9876', '12']),
        dialedUser: some(['1001', '1003']),
      };
      // As channelFacts makes them: an absent header is an absent field, never an undefined one.
      const facts = Object.fromEntries(Object.entries(raw).filter(([, v]) => v !== undefined)) as unknown as ChannelFacts;
      ops.push({ kind: 'reduce', which: which(), facts, role: pick(roles) });
    } else if (r < 0.93) {
      ops.push({ kind: 'close', which: which(), uuid: pick(LEGS), reason: pick(['destroy', 'grace', 'expired'] as const) });
    } else {
      ops.push({ kind: 'move', which: which(), uuid: pick(LEGS), role: pick(roles) });
    }
  }
  return ops;
}

/** Every state the two calls pass through, in order. */
export function foldOps(reducer: ReducerModule, ops: readonly ReducerOp[], after?: (states: readonly CallState[]) => void): CallState[] {
  const calls: CallState[] = [reducer.emptyCall(LEGS[0]!, 'n1'), reducer.emptyCall(LEGS[2]!, 'n1')];
  const seen: CallState[] = [];
  for (const op of ops) {
    const i = op.which;
    if (op.kind === 'reduce') calls[i] = reducer.reduceCall(calls[i]!, op.facts, op.role, 'n1');
    else if (op.kind === 'close') calls[i] = reducer.closeLeg(calls[i]!, op.uuid, op.reason);
    else {
      const { call, detached } = reducer.detachLeg(calls[i]!, op.uuid);
      calls[i] = call;
      if (detached !== undefined) calls[1 - i] = reducer.attachLeg(calls[1 - i]!, detached, op.role);
    }
    seen.push(calls[0]!, calls[1]!);
    after?.(calls);
  }
  return seen;
}

/**
 * Sorted keys, and an own-but-undefined member written out (JSON would drop it, but a state
 * with `{ endedAt: undefined }` is not the state without it: deep-equal and `in` tell them apart).
 */
function strict(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(strict).join(',')}]`;
  const record = value as Record<string, unknown>;
  return `{${Object.keys(record).sort().map((k) => `${JSON.stringify(k)}:${strict(record[k])}`).join(',')}}`;
}

export function statesHash(states: readonly CallState[]): string {
  const hash = createHash('sha256');
  for (const state of states) hash.update(strict(state)).update('\n');
  return hash.digest('hex');
}
