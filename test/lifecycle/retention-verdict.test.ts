// The retention rule as a pure function: a legal hold always wins, "do not keep" needs a delivery, nothing unfinished is due; config keys checked.

import { expect } from 'chai';
import fc from 'fast-check';
import { normalisePhoneNumber, retentionVerdict, validateRecordingConfig, type RetentionFacts } from '../../src/policies';

const NOW = '2026-06-01T00:00:00.000Z';
const facts = (over: Partial<RetentionFacts> = {}): RetentionFacts => ({
  status: 'ok', retentionUntil: '2026-05-01T00:00:00.000Z', retentionDays: 30, group: 'hotline', keepAfterMail: true, mailDelivered: false, holds: [], ...over,
});

describe('lifecycle: retention verdict (pure policy)', () => {
  it('table: expired → delete under the group\'s rule; not yet → keep; do-not-keep after delivery → delete; unfinished → keep', () => {
    expect(retentionVerdict(facts(), NOW)).to.deep.equal({ action: 'delete', rule: 'retention: 30 day(s) (group hotline) ended 2026-05-01T00:00:00.000Z' });
    expect(retentionVerdict(facts({ retentionUntil: '2026-07-01T00:00:00.000Z' }), NOW)).to.deep.equal({ action: 'keep', reason: 'kept until 2026-07-01T00:00:00.000Z' });
    expect(retentionVerdict(facts({ retentionUntil: '2026-07-01T00:00:00.000Z', keepAfterMail: false, mailDelivered: true }), NOW).action).to.equal('delete');
    expect(retentionVerdict(facts({ retentionUntil: '2026-07-01T00:00:00.000Z', keepAfterMail: false, mailDelivered: false }), NOW).action).to.equal('keep');
    expect(retentionVerdict(facts({ status: 'converting' }), NOW)).to.deep.equal({ action: 'keep', reason: 'still being converted' });
    expect(retentionVerdict(facts({ status: 'recording' }), NOW).action).to.equal('keep');
  });

  it('property: with any matching legal hold, no combination of facts or clock ever yields a deletion', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('recording', 'converting', 'ok', 'bad', 'deleted'),
        fc.option(fc.date({ min: new Date('2020-01-01'), max: new Date('2040-01-01'), noInvalidDate: true })),
        fc.boolean(),
        fc.boolean(),
        fc.date({ min: new Date('2020-01-01'), max: new Date('2040-01-01'), noInvalidDate: true }),
        fc.array(fc.record({ id: fc.nat(), kind: fc.constantFrom('call', 'number'), value: fc.string(), reason: fc.string() }), { minLength: 1, maxLength: 3 }),
        (status, until, keep, delivered, now, holds) => {
          const v = retentionVerdict({ status: status as RetentionFacts['status'], retentionUntil: until?.toISOString() ?? null, retentionDays: 1, group: null, keepAfterMail: keep, mailDelivered: delivered, holds: holds as RetentionFacts['holds'] }, now.toISOString());
          expect(v.action).to.not.equal('delete');
        },
      ),
    );
  });

  it("property: a recording callwarden did not start (foreign) is never deleted, whatever its dates, mail or holds", () => {
    fc.assert(
      fc.property(
        fc.constantFrom('foreign', 'foreign-stopped'),
        fc.option(fc.date({ min: new Date('2020-01-01'), max: new Date('2040-01-01'), noInvalidDate: true })),
        fc.boolean(),
        fc.boolean(),
        fc.date({ min: new Date('2020-01-01'), max: new Date('2040-01-01'), noInvalidDate: true }),
        (status, until, keep, delivered, now) => {
          const v = retentionVerdict({ status: status as RetentionFacts['status'], retentionUntil: until?.toISOString() ?? null, retentionDays: 1, group: null, keepAfterMail: keep, mailDelivered: delivered, holds: [] }, now.toISOString());
          expect(v).to.deep.equal({ action: 'keep', reason: 'not started by callwarden' });
        },
      ),
    );
  });

  it('numbers are compared normalised: SIP URIs, 00 prefix, punctuation', () => {
    expect(normalisePhoneNumber('sip:+49302222222@pbx.example')).to.equal('+49302222222');
    expect(normalisePhoneNumber('0049 (30) 222-2222')).to.equal('+49302222222');
    expect(normalisePhoneNumber('030 2222222')).to.equal('0302222222');
    expect(normalisePhoneNumber('ab')).to.equal(undefined);
  });

  it('config: group retentionDays, mailTo and keepAfterMail are checked; "do not keep" needs recipients', () => {
    const base = { mode: 'disabled' };
    const check = (g: Record<string, unknown>) => validateRecordingConfig({ groups: { g: { ...base, ...g } }, extensions: {} });
    const ok = check({ retentionDays: 3650, mailTo: ['a@example.org'], keepAfterMail: false });
    expect(ok.ok && ok.config.groups.g).to.deep.include({ retentionDays: 3650, mailTo: ['a@example.org'], keepAfterMail: false });
    const bad = check({ retentionDays: 0, mailTo: ['x@y.org\r\nBcc: evil@z.org'], keepAfterMail: false });
    expect(bad.ok).to.equal(false);
    expect(!bad.ok && bad.errors).to.deep.equal([
      'recording.groups.g.retentionDays: must be an integer from 1 to 36500',
      'recording.groups.g.mailTo[0]: must be a plain mail address (name@example.org)',
      'recording.groups.g.keepAfterMail: false ("do not keep") needs mailTo: the file is deleted only after it was delivered',
    ]);
  });
});
