// The evidence keyring and its configuration: short or unknown keys refused at start-up, key material never serialised.

import { expect } from 'chai';
import { defaultsWith } from '../../src/config';
import { EvidenceKeyring } from '../../src/store/evidence-keys';

const KEY = 'a-perfectly-long-evidence-key-0123456789';

describe('evidence keys', () => {
  it('builds the keyring from config: the current key under its id, retired keys beside it', () => {
    const ring = EvidenceKeyring.fromConfig({ key: KEY, currentKeyId: 'k2', keys: { k1: 'base64:' + Buffer.alloc(32, 7).toString('base64') } });
    expect(ring?.currentKeyId).to.equal('k2');
    expect(ring?.ids).to.have.members(['k1', 'k2']);
    expect(ring?.mac('k1', 'x')).to.match(/^[0-9a-f]{64}$/);
    expect(ring?.mac('k1', 'x')).not.to.equal(ring?.mac('k2', 'x'));
    expect(ring?.mac('k3', 'x')).to.equal(undefined);
    expect(EvidenceKeyring.fromConfig({ key: '', keys: {} })).to.equal(undefined);
  });

  it('never serialises key material', () => {
    const ring = EvidenceKeyring.fromConfig({ key: KEY })!;
    const text = JSON.stringify({ ring }) + String(ring);
    expect(text).not.to.contain(KEY);
    expect(JSON.parse(JSON.stringify(ring))).to.deep.equal({ currentKeyId: 'k1', ids: ['k1'] });
  });

  it('refuses a short key, a bad id and a current id without a key when the configuration is checked', () => {
    expect(() => defaultsWith({ evidence: { key: 'short' } })).to.throw(/evidence: evidence key "k1" is too short/);
    expect(() => defaultsWith({ evidence: { key: KEY, currentKeyId: 'bad id!' } })).to.throw(/evidence\.currentKeyId|currentKeyId/);
    expect(() => defaultsWith({ evidence: { keys: { k1: KEY }, currentKeyId: 'k9' } })).to.throw(/names no configured key/);
    expect(defaultsWith({ evidence: { key: KEY } }).evidence.key).to.equal(KEY);
  });
});
