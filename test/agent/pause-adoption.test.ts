// A daemon that restarts during a pause keeps it: live-operations pauses come back from the evidence, logged spans are not logged twice.

import { expect } from 'chai';
import { adoptedCallFrom } from '../../src/calls';
import { pauseStateAt } from '../../src/policies';
import type { EvidenceRecord } from '../../src/store';

let seq = 0;
const row = (kind: string, detail: unknown): EvidenceRecord => ({ callId: 'c', seq: ++seq, at: '2026-11-22T10:00:00.000Z', kind: kind as EvidenceRecord['kind'], detail, prevHash: '', hash: '' });

describe('agent: a pause across a daemon restart', () => {
  it('a live-operations pause still running at the restart is rebuilt and still ends at its maximum', () => {
    const adopted = adoptedCallFrom(
      [
        row('pause_started', { by: 'agent 1001', via: 'key', at: '2026-11-22T10:00:01.000Z' }),
        row('pause_ended', { by: 'agent 1001', via: 'key', at: '2026-11-22T10:00:04.000Z' }),
        row('pause_started', { by: 'ops-anna', via: 'live-ops', at: '2026-11-22T10:00:10.000Z' }),
      ],
      [],
    );
    expect(adopted.pausesLogged).to.deep.equal({ started: 2, ended: 1 });
    expect(adopted.pauseRequests).to.deep.equal([{ kind: 'pause', at: Date.parse('2026-11-22T10:00:10.000Z') * 1000, by: 'ops-anna', via: 'live-ops' }]);
    const at = (iso: string) => Date.parse(iso) * 1000;
    const state = pauseStateAt(adopted.pauseRequests ?? [], 60, at('2026-11-22T10:00:30.000Z'));
    expect(state.paused).to.equal(true);
    expect(state.resumesAt).to.equal(at('2026-11-22T10:01:10.000Z'));
  });

  it('rows that are not what they claim (no time, unknown via) are skipped, never guessed into a pause', () => {
    const adopted = adoptedCallFrom([row('pause_started', { by: 'x', via: 'live-ops' }), row('pause_started', { by: 'x', via: 'elsewhere', at: '2026-11-22T10:00:10.000Z' })], []);
    expect(adopted.pauseRequests).to.deep.equal([]);
  });
});
