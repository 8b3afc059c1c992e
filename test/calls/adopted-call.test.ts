// Rebuilding an adopted call from the evidence (pure), and the bridge inferred from `show channels` rows.

import { expect } from 'chai';
import { adoptedCallFrom, seededBridged } from '../../src/calls';
import type { EvidenceRecord, RecordingRecord } from '../../src/store';
import { emptyCall, newLeg, type CallState, type LegState } from '../../src/streams';

let seq = 0;
const row = (kind: string, detail: unknown, at = '2026-11-22T10:00:00.000Z'): EvidenceRecord => ({ callId: 'c', seq: ++seq, at, kind, detail, prevHash: '', hash: '' });
const recording = (filePath: string, status: RecordingRecord['status'], stoppedAt: string | null = null): RecordingRecord =>
  ({ id: filePath, callId: 'c', filePath, status, stoppedAt, segment: 1 }) as unknown as RecordingRecord;
const leg = (uuid: string, role: LegState['role'], over: Partial<LegState> = {}): LegState => ({ ...newLeg(uuid, role, 'n'), ...over });
const call = (legs: LegState[]): CallState => ({ ...emptyCall('c', 'n'), legs });

describe('calls: adopting a running call', () => {
  it('takes the consent, keys, agent facts, played announcements and running files from the last run', () => {
    const a = adoptedCallFrom(
      [
        row('agent_facts', { extension: '1001', consentOnFile: 'yes', callNumber: 6 }),
        row('prompt_played', { app: 'play_and_get_digits' }),
        row('consent', { outcome: 'given', answeredAt: 1_000_000 }),
        row('prompt_played', { app: 'playback', id: 'recording-started:1' }),
        row('digit_pressed', { role: 'caller', digit: '9', leg: 'c', at: '2026-11-22T10:00:05.000Z' }),
        row('command_sent', { command: 'announce', id: 'no-recording', ok: true }),
        row('decision', { segment: 1, mode: 'opt-in' }),
      ],
      [recording('/r/c/01-both.wav', 'recording'), recording('/r/c/00-old.wav', 'ok', '2026-11-22T09:00:00.000Z')],
    );
    expect(a).to.deep.include({ consent: 'given', consentAnsweredAt: 1_000_000, transfers: [], running: ['/r/c/01-both.wav'] });
    expect(a.agent).to.deep.equal({ extension: '1001', consent: 'yes', callNumber: 6 });
    expect(a.announced).to.have.members(['recording-started:1', 'no-recording']);
    expect(a.digits).to.deep.equal([{ leg: 'c', role: 'caller', digit: '9', at: Date.parse('2026-11-22T10:00:05.000Z') * 1000 }]);
  });

  it('nothing on record is never read in the caller\'s disfavour: not asked, nothing running', () => {
    expect(adoptedCallFrom([], [])).to.deep.include({ consent: 'not-asked', digits: [], transfers: [], running: [], announced: [] });
    expect(adoptedCallFrom([row('prompt_played', { app: 'play_and_get_digits' })], []).consent).to.equal('asked');
  });

  it('segments go on where they were: an automatic mode\'s segment n means n - 1 transfers before', () => {
    const a = adoptedCallFrom([row('decision', { segment: 3, mode: 'permanent' })], []);
    expect(a.transfers).to.have.length(2);
    expect(a.transfers[0]!.at).to.be.lessThan(a.transfers[1]!.at);
  });

  it('a seeded call counts as bridged while an ACTIVE, answered agent leg names it and no bridge event says otherwise', () => {
    const agent = leg('a', 'agent', { answered: true, callState: 'ACTIVE' });
    expect(seededBridged(call([leg('c', 'caller'), agent]))).to.equal(true);
    expect(seededBridged(call([leg('c', 'caller'), { ...agent, callState: 'RINGING', answered: false }]))).to.equal(false);
    expect(seededBridged(call([leg('c', 'caller'), { ...agent, hungup: true }]))).to.equal(false);
    expect(seededBridged(call([leg('c', 'caller', { unbridgedAt: 5 }), agent]))).to.equal(false);
  });
});
