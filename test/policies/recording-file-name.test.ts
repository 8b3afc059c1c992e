// File names link to the call and segment and can never carry characters that break a command.

import { expect } from 'chai';
import { recordingPath, safeFileWord } from '../../src/policies/recording-file-name';

describe('recordingPath', () => {
  it('is <dir>/<call-id>/<segment>-<channels>.<format>', () => {
    expect(recordingPath('/var/rec/', '0d2d4bb5-3ac1-4db2-b8c8-e9eb87d35116', 2, 'both', 'wav')).to.equal(
      '/var/rec/0d2d4bb5-3ac1-4db2-b8c8-e9eb87d35116/02-both.wav',
    );
    expect(recordingPath('/var/rec', 'abc', 12, 'caller', 'mp3')).to.equal('/var/rec/abc/12-caller.mp3');
  });

  it('replaces anything unsafe in the call id', () => {
    // No slash survives, so the result is one path component; a leading dot (".", "..", hidden) is replaced.
    expect(safeFileWord('../../etc/passwd')).to.equal('___.._etc_passwd');
    expect(safeFileWord('a b\nuuid_kill x')).to.equal('a_b_uuid_kill_x');
    expect(safeFileWord('')).to.equal('_');
    expect(recordingPath('/r', '..', 1, 'agent', 'wav')).to.equal('/r/__/01-agent.wav');
  });
});
