// reconcile(desired, observed) as exact command lists; observed only moves on RECORD_START / RECORD_STOP.

import { expect } from 'chai';
import { decideRecording } from '../../src/policies/decide-recording';
import type { RecordingCommand } from '../../src/policies/recording-command';
import { NOTHING_OBSERVED, observeRecording, type ObservedRecording } from '../../src/policies/recording-observation';
import { desiredRecording, reconcile, type DesiredRecording } from '../../src/policies/reconcile-recording';
import { input } from './policy-fixtures';

const LEG = '0d2d4bb5-3ac1-4db2-b8c8-e9eb87d35116';
const BOTH = `/rec/${LEG}/01-both.mp3`;
const CALLER = `/rec/${LEG}/01-caller.mp3`;
const STARTED = { id: 'recording-started:1', kind: 'recording-started', file: '/p/started.wav', to: 'both' } as const;

function desired(over: Partial<DesiredRecording> = {}): DesiredRecording {
  return { leg: LEG, path: BOTH, channels: 'both', masked: false, announcements: [STARTED], ...over };
}

function observed(over: Partial<ObservedRecording> = {}): ObservedRecording {
  return { ...NOTHING_OBSERVED, ...over };
}

const setvars = (stereo: boolean, read: boolean, write: boolean): RecordingCommand[] => [
  { kind: 'setvar', leg: LEG, name: 'RECORD_STEREO', value: stereo ? 'true' : 'false' },
  { kind: 'setvar', leg: LEG, name: 'RECORD_STEREO_SWAP', value: 'false' },
  { kind: 'setvar', leg: LEG, name: 'RECORD_READ_ONLY', value: read ? 'true' : 'false' },
  { kind: 'setvar', leg: LEG, name: 'RECORD_WRITE_ONLY', value: write ? 'true' : 'false' },
];
const announceStarted: RecordingCommand = {
  kind: 'announce',
  leg: LEG,
  id: 'recording-started:1',
  announcement: 'recording-started',
  file: '/p/started.wav',
  to: 'both',
};

/** Sends each command and gets +OK, like FreeSWITCH; no RECORD_* event yet. */
function sendAll(o: ObservedRecording, commands: readonly RecordingCommand[]): ObservedRecording {
  return commands.reduce(
    (acc, command) => observeRecording(observeRecording(acc, { kind: 'sent', command }), { kind: 'reply', command, ok: true }),
    o,
  );
}

describe('reconcile', () => {
  it('starts stereo: announce, reset every sticky RECORD_* variable, then start', () => {
    expect(reconcile(desired(), observed())).to.deep.equal([announceStarted, ...setvars(true, false, false), { kind: 'start', leg: LEG, path: BOTH }]);
  });

  it('caller only = RECORD_READ_ONLY on the caller leg, the others explicitly false', () => {
    expect(reconcile(desired({ channels: 'caller', path: CALLER, announcements: [] }), observed())).to.deep.equal([
      ...setvars(false, true, false),
      { kind: 'start', leg: LEG, path: CALLER },
    ]);
  });

  it('agent only = RECORD_WRITE_ONLY on the caller leg (what is sent to the caller)', () => {
    const path = `/rec/${LEG}/01-agent.mp3`;
    expect(reconcile(desired({ channels: 'agent', path, announcements: [] }), observed())).to.deep.equal([
      ...setvars(false, false, true),
      { kind: 'start', leg: LEG, path },
    ]);
  });

  it('sends nothing when observed equals desired', () => {
    expect(reconcile(desired(), observed({ running: [BOTH], announced: ['recording-started:1'] }))).to.deep.equal([]);
    expect(reconcile(desired({ path: undefined, announcements: [] }), observed())).to.deep.equal([]);
  });

  it('never treats +OK as started: the start stays in flight, is not re-sent, and is not masked or counted', () => {
    const first = reconcile(desired({ masked: false }), observed());
    const afterOk = sendAll(observed(), first);
    expect(afterOk.running).to.deep.equal([]);
    expect(afterOk.startsInFlight).to.deep.equal([BOTH]);
    expect(reconcile(desired(), afterOk)).to.deep.equal([]);
    // Wanting a mask now sends nothing until RECORD_START proves the bug exists.
    expect(reconcile(desired({ masked: true }), afterOk)).to.deep.equal([]);
    const started = observeRecording(afterOk, { kind: 'RECORD_START', path: BOTH });
    expect(started.running).to.deep.equal([BOTH]);
    expect(reconcile(desired(), started)).to.deep.equal([]);
    expect(reconcile(desired({ masked: true }), started)).to.deep.equal([{ kind: 'mask', leg: LEG, path: BOTH }]);
  });

  it('re-issues the start after -ERR (e.g. the file could not be opened)', () => {
    const start: RecordingCommand = { kind: 'start', leg: LEG, path: BOTH };
    let o = observeRecording(observed({ announced: ['recording-started:1'] }), { kind: 'sent', command: start });
    o = observeRecording(o, { kind: 'reply', command: start, ok: false });
    expect(reconcile(desired(), o)).to.deep.equal([...setvars(true, false, false), start]);
  });

  it('stops what is no longer wanted, then says so; a stop in flight is not repeated', () => {
    const stopped = { id: 'recording-stopped:1', kind: 'recording-stopped', file: '/p/stopped.wav', to: 'both' } as const;
    const want = desired({ path: undefined, announcements: [stopped] });
    const cmds = reconcile(want, observed({ running: [BOTH], announced: ['recording-started:1'] }));
    expect(cmds).to.deep.equal([
      { kind: 'stop', leg: LEG, path: BOTH },
      { kind: 'announce', leg: LEG, id: 'recording-stopped:1', announcement: 'recording-stopped', file: '/p/stopped.wav', to: 'both' },
    ]);
    const after = sendAll(observed({ running: [BOTH], announced: ['recording-started:1'] }), cmds);
    expect(after.running, 'still running until RECORD_STOP').to.deep.equal([BOTH]);
    expect(reconcile(want, after)).to.deep.equal([]);
    expect(reconcile(want, observeRecording(after, { kind: 'RECORD_STOP', path: BOTH }))).to.deep.equal([]);
  });

  it('changing channels stops the old file and starts a new one with every variable reset', () => {
    const cmds = reconcile(desired({ announcements: [] }), observed({ running: [CALLER] }));
    expect(cmds).to.deep.equal([{ kind: 'stop', leg: LEG, path: CALLER }, ...setvars(true, false, false), { kind: 'start', leg: LEG, path: BOTH }]);
  });

  it('stops a recording on the leg that nobody wants (also one still starting)', () => {
    const stray = `/rec/${LEG}/99-both.wav`;
    expect(reconcile(desired({ path: undefined, announcements: [] }), observed({ startsInFlight: [stray] }))).to.deep.equal([
      { kind: 'stop', leg: LEG, path: stray },
    ]);
  });

  it('does not start while a mask is wanted; masks and unmasks the running file', () => {
    expect(reconcile(desired({ masked: true, announcements: [] }), observed())).to.deep.equal([]);
    expect(reconcile(desired({ masked: true, announcements: [] }), observed({ running: [BOTH] }))).to.deep.equal([
      { kind: 'mask', leg: LEG, path: BOTH },
    ]);
    expect(reconcile(desired({ announcements: [] }), observed({ running: [BOTH], masked: true }))).to.deep.equal([
      { kind: 'unmask', leg: LEG, path: BOTH },
    ]);
  });

  it('after a resync re-issues exactly what is still wanted, and then nothing', () => {
    // The daemon restarted; FreeSWITCH still runs the file; the evidence log has the announcement.
    const resynced = observeRecording(observed({ startsInFlight: [BOTH] }), { kind: 'resync', running: [BOTH], announced: ['recording-started:1'] });
    expect(resynced).to.deep.equal({ running: [BOTH], startsInFlight: [], stopsInFlight: [], masked: 'unknown', announced: ['recording-started:1'] });
    const cmds = reconcile(desired(), resynced);
    expect(cmds).to.deep.equal([{ kind: 'unmask', leg: LEG, path: BOTH }]);
    const after = sendAll(resynced, cmds);
    expect(reconcile(desired(), after)).to.deep.equal([]);
    expect(reconcile(desired(), after)).to.deep.equal(reconcile(desired(), after));

    // The recording died while we were away: start again, but do not replay the announcement.
    const gone = observeRecording(observed(), { kind: 'resync', running: [], announced: ['recording-started:1'] });
    expect(reconcile(desired(), gone)).to.deep.equal([...setvars(true, false, false), { kind: 'start', leg: LEG, path: BOTH }]);
  });

  it('end to end: decision → desired → commands → events → nothing left to do', () => {
    const decision = decideRecording(input({ consent: 'given' }, { mode: 'opt-in', channels: 'both' }));
    const want = desiredRecording(decision, { callId: LEG, callerLeg: LEG, directory: '/rec', format: 'mp3' });
    expect(want.path).to.equal(BOTH);
    const cmds = reconcile(want, NOTHING_OBSERVED);
    expect(cmds).to.deep.equal([announceStarted, ...setvars(true, false, false), { kind: 'start', leg: LEG, path: BOTH }]);
    const o = observeRecording(sendAll(NOTHING_OBSERVED, cmds), { kind: 'RECORD_START', path: BOTH });
    expect(reconcile(want, o)).to.deep.equal([]);

    // The caller is transferred: unbridged → stop; bridged to the next agent → segment 2.
    const unbridged = decideRecording(input({ consent: 'given', bridged: false, transfers: [{ at: 9 }] }));
    const stop = reconcile(desiredRecording(unbridged, { callId: LEG, callerLeg: LEG, directory: '/rec', format: 'mp3' }), o);
    expect(stop).to.deep.equal([{ kind: 'stop', leg: LEG, path: BOTH }]);
    const o2 = observeRecording(sendAll(o, stop), { kind: 'RECORD_STOP', path: BOTH });
    const rebridged = decideRecording(input({ consent: 'given', bridged: true, transfers: [{ at: 9 }] }));
    const next = reconcile(desiredRecording(rebridged, { callId: LEG, callerLeg: LEG, directory: '/rec', format: 'mp3' }), o2);
    const seg2 = `/rec/${LEG}/02-both.mp3`;
    expect(next).to.deep.equal([
      { kind: 'announce', leg: LEG, id: 'reannouncement:2', announcement: 'reannouncement', file: '/p/reannounce.wav', to: 'both' },
      ...setvars(true, false, false),
      { kind: 'start', leg: LEG, path: seg2 },
    ]);
  });
});

describe('observeRecording', () => {
  const start: RecordingCommand = { kind: 'start', leg: LEG, path: BOTH };
  const stop: RecordingCommand = { kind: 'stop', leg: LEG, path: BOTH };

  it('a +OK to start or stop changes nothing; only RECORD_START / RECORD_STOP do', () => {
    const o = observeRecording(NOTHING_OBSERVED, { kind: 'reply', command: start, ok: true });
    expect(o).to.deep.equal(NOTHING_OBSERVED);
    const running = observeRecording(NOTHING_OBSERVED, { kind: 'RECORD_START', path: BOTH });
    expect(observeRecording(running, { kind: 'reply', command: stop, ok: true }).running).to.deep.equal([BOTH]);
    expect(observeRecording(running, { kind: 'RECORD_STOP', path: BOTH }).running).to.deep.equal([]);
  });

  it('a -ERR to stop lets reconcile send it again; a late RECORD_STOP for an unknown file is harmless', () => {
    let o = observeRecording(NOTHING_OBSERVED, { kind: 'RECORD_START', path: BOTH });
    o = observeRecording(o, { kind: 'sent', command: stop });
    expect(o.stopsInFlight).to.deep.equal([BOTH]);
    o = observeRecording(o, { kind: 'reply', command: stop, ok: false });
    expect(o.stopsInFlight).to.deep.equal([]);
    expect(observeRecording(NOTHING_OBSERVED, { kind: 'RECORD_STOP', path: '/x.wav' })).to.deep.equal(NOTHING_OBSERVED);
  });

  it('a failed mask leaves the mask state unknown, so reconcile sends the wanted one again', () => {
    const mask: RecordingCommand = { kind: 'mask', leg: LEG, path: BOTH };
    const o = observeRecording(observeRecording(NOTHING_OBSERVED, { kind: 'RECORD_START', path: BOTH }), { kind: 'reply', command: mask, ok: false });
    expect(o.masked).to.equal('unknown');
    expect(reconcile(desired({ masked: true, announcements: [] }), o)).to.deep.equal([mask]);
  });
});
