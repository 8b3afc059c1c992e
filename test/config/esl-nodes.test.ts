// Several FreeSWITCH nodes per daemon in config: `esl.nodes`, the single `esl` section as one node, and the mistakes refused with their key.

import { expect } from 'chai';
import { defaultsWith, environmentOverrides, ConfigError, type CallwardenConfig, type DeepPartial } from '../../src/config';
import { eslNodesOf } from '../../src/esl/esl-nodes';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PACKAGE_CONFIG_DIR } from '../../src/config';

const withEsl = (esl: unknown): CallwardenConfig => defaultsWith({ esl } as DeepPartial<CallwardenConfig>);
const problemsOf = (esl: unknown): string => {
  try {
    withEsl(esl);
  } catch (err) {
    expect(err).to.be.instanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error('expected the configuration to be refused');
};

describe('config: esl.nodes', () => {
  it('the single esl section is one node named host:port, as before; esl.name renames it', () => {
    expect(eslNodesOf(withEsl({ host: 'pbx1.example.com', port: 8021 }).esl)).to.deep.equal([{ name: 'pbx1.example.com:8021', host: 'pbx1.example.com', port: 8021, password: 'ClueCon' }]);
    expect(eslNodesOf(withEsl({ name: 'pbx1' }).esl)[0]!.name).to.equal('pbx1');
    // An empty list is the single section too.
    expect(eslNodesOf(withEsl({ nodes: [] }).esl)).to.have.length(1);
  });

  it('esl.nodes: each node its name, host, port and password; port and password default to the esl section', () => {
    const config = withEsl({ password: 'shared', nodes: [{ name: 'fs-a', host: '10.0.0.1', port: 8022, password: 'own' }, { name: 'fs-b', host: '10.0.0.2' }, { host: '10.0.0.3' }] });
    expect(eslNodesOf(config.esl)).to.deep.equal([
      { name: 'fs-a', host: '10.0.0.1', port: 8022, password: 'own' },
      { name: 'fs-b', host: '10.0.0.2', port: 8021, password: 'shared' },
      { name: '10.0.0.3:8021', host: '10.0.0.3', port: 8021, password: 'shared' },
    ]);
  });

  it('refuses a duplicate name, the same FreeSWITCH twice, a missing host, a bad name or an unknown key, each with its key', () => {
    expect(problemsOf({ nodes: [{ name: 'fs', host: 'a' }, { name: 'fs', host: 'b' }] })).to.contain('esl.nodes.1.name: "fs" is already the name of esl.nodes.0');
    expect(problemsOf({ nodes: [{ name: 'a', host: 'PBX' }, { name: 'b', host: 'pbx', port: 8021 }] })).to.contain('esl.nodes.1: pbx:8021 is already esl.nodes.0');
    // The default name (host:port) counts as a name.
    expect(problemsOf({ nodes: [{ name: '10.0.0.1:8021', host: '10.0.0.9' }, { host: '10.0.0.1' }] })).to.contain('esl.nodes.1.name: "10.0.0.1:8021" is already the name');
    expect(problemsOf({ nodes: [{ name: 'a', port: 8021 }] })).to.contain('esl.nodes.0.host: is missing');
    expect(problemsOf({ nodes: [{ name: 'a b', host: 'x' }] })).to.match(/esl\.nodes\.0\.name: must match pattern/);
    expect(problemsOf({ nodes: [{ name: 'a', host: 'x', pasword: 'typo' }] })).to.contain('esl.nodes.0.pasword: is not a known setting');
    expect(problemsOf({ nodes: [{ name: 'a', host: 'x', password: 'two\nlines' }] })).to.match(/esl\.nodes\.0\.password: must match pattern/);
    expect(problemsOf({ name: 'one', nodes: [{ name: 'a', host: 'x' }] })).to.contain('esl.name: names the single node');
  });

  it('CALLWARDEN_ESL_NODES is a JSON list (the mapping of the package)', () => {
    const mapping = JSON.parse(readFileSync(join(PACKAGE_CONFIG_DIR, 'custom-environment-variables.json'), 'utf8'));
    const env = environmentOverrides(mapping, { CALLWARDEN_ESL_NODES: '[{"name":"fs-a","host":"10.0.0.1"}]', CALLWARDEN_ESL_NAME: 'pbx' });
    expect(env.values).to.deep.equal({ esl: { name: 'pbx', nodes: [{ name: 'fs-a', host: '10.0.0.1' }] } });
    expect(() => environmentOverrides(mapping, { CALLWARDEN_ESL_NODES: '[{' })).to.throw(/CALLWARDEN_ESL_NODES \(esl\.nodes\): is not valid JSON/);
  });
});
