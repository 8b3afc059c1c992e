// Loading the configuration: shipped defaults hold settings only, examples are valid, env mapping, paths, either-list supervisors.

import { expect } from 'chai';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { defaultsWith, environmentOverrides, PACKAGE_CONFIG_DIR, resolvePaths, validateConfig, merge, type DeepPartial, type CallwardenConfig } from '../../src/config';

const json = (file: string): unknown => JSON.parse(readFileSync(file, 'utf8'));

describe('config loading', () => {
  it('the shipped defaults hold no example group: nothing is routed to a group nobody configured', () => {
    expect(defaultsWith({}).recording.groups).to.deep.equal({});
    expect(json(join(PACKAGE_CONFIG_DIR, 'default.json'))).not.to.have.nested.property('recording.groups.hotline');
  });

  it('nothing in config/ but the defaults and the variable mapping is loaded by node-config', () => {
    const top = readdirSync(PACKAGE_CONFIG_DIR).filter((f) => f.endsWith('.json') && !f.startsWith('local'));
    expect(top.sort()).to.deep.equal(['custom-environment-variables.json', 'default.json']);
  });

  it('every example in config/examples/ is a valid configuration over the defaults', () => {
    const dir = join(PACKAGE_CONFIG_DIR, 'examples');
    const files = readdirSync(dir).filter((f) => f.endsWith('.json'));
    expect(files).to.include.members(['local.json', 'production.json']);
    for (const f of files) {
      const over = json(join(dir, f)) as DeepPartial<CallwardenConfig>;
      // production.json needs its secret from the environment, as the README says.
      const config = defaultsWith(merge(over, f === 'production.json' || f === 'several-nodes.json' ? { store: { url: 'mysql://callwarden:x@db.example.internal:3306/callwarden' } } : {}) as DeepPartial<CallwardenConfig>);
      expect(config.node, f).to.be.a('string');
    }
    expect(defaultsWith(json(join(dir, 'local.json')) as DeepPartial<CallwardenConfig>).recording.groups['hotline']).to.include({ mode: 'opt-in' });
  });

  it('maps CALLWARDEN_* variables with their formats, skipping empty ones', () => {
    const mapping = json(join(PACKAGE_CONFIG_DIR, 'custom-environment-variables.json'));
    const { values, names } = environmentOverrides(mapping, {
      CALLWARDEN_ESL_PORT: '8022',
      CALLWARDEN_RECORDING_LEGAL_NOTICE_ACKNOWLEDGED: 'true',
      CALLWARDEN_COACHING_SUPERVISORS: '{"2001":{"extensions":["1001"]}}',
      CALLWARDEN_MQTT_URL: '',
    });
    expect(values).to.deep.equal({ esl: { port: 8022 }, recording: { legalNoticeAcknowledged: true }, coaching: { supervisors: { '2001': { extensions: ['1001'] } } } });
    expect(names).to.have.members(['CALLWARDEN_ESL_PORT', 'CALLWARDEN_RECORDING_LEGAL_NOTICE_ACKNOWLEDGED', 'CALLWARDEN_COACHING_SUPERVISORS']);
    expect(() => environmentOverrides(mapping, { CALLWARDEN_RECORDING_LEGAL_NOTICE_ACKNOWLEDGED: 'yes' })).to.throw(/must be true or false/);
    expect(() => environmentOverrides(mapping, { CALLWARDEN_WEB_TRUST_PROXY: '{not json secret' }))
      .to.throw(/CALLWARDEN_WEB_TRUST_PROXY \(web\.trustProxy\): is not valid JSON/)
      .with.property('message')
      .that.does.not.contain('secret');
  });

  it('makes relative store and recording paths absolute against the package directory', () => {
    const r = resolvePaths({ store: { filename: './data/a.sqlite', outboxDir: 'data/outbox' }, recording: { directory: 'recs' } }, '/opt/callwarden') as {
      store: { filename: string; outboxDir: string };
      recording: { directory: string };
    };
    expect(r.store).to.deep.equal({ filename: '/opt/callwarden/data/a.sqlite', outboxDir: '/opt/callwarden/data/outbox' });
    expect(r.recording.directory).to.equal('/opt/callwarden/recs');
    expect((resolvePaths({ store: { filename: ':memory:', outboxDir: '/var/x' } }, '/opt') as { store: unknown }).store).to.deep.equal({ filename: ':memory:', outboxDir: '/var/x' });
  });

  it('a coaching supervisor needs extensions or groups, not both; the missing list is empty', () => {
    const base = defaultsWith({});
    const withSupervisors = (supervisors: unknown): CallwardenConfig => validateConfig(merge(JSON.parse(JSON.stringify(base)), { coaching: { supervisors } }));
    const onlyExtensions = withSupervisors({ '2001': { extensions: ['1001'] } });
    expect(onlyExtensions.coaching.supervisors['2001']).to.deep.equal({ extensions: ['1001'], groups: [] });
    const onlyGroups = withSupervisors({ '2002': { groups: ['sales'] } });
    expect(onlyGroups.coaching.supervisors['2002']).to.deep.equal({ extensions: [], groups: ['sales'] });
    expect(() => withSupervisors({ '2003': {} })).to.throw(/coaching\.supervisors\.2003: give extensions or groups/);
  });
});
