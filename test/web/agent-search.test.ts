// The agent's search in SQL agrees with the pure rule mayAgentReview for random calls, groups and shares (SQLite).

import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import fc from 'fast-check';
import { mayAgentReview, selfReviewGroups } from '../../src/policies';
import { createStoreKnex, migrateLatest, StoreRepository } from '../../src/store';
import { searchCalls } from '../../src/web/call-search';
import { CallShares } from '../../src/web/call-shares';
import { scopeOf } from '../../src/web/web-roles';

describe('web: the agent search follows mayAgentReview', function () {
  this.timeout(60_000);
  it('lists exactly the calls the rule lets the agent review (own extension; self-review group or active share)', async () => {
    const knex = createStoreKnex({ client: 'better-sqlite3', filename: join(mkdtempSync(join(tmpdir(), 'callwarden-agent-search-')), 'db.sqlite') });
    const repository = new StoreRepository(knex, {});
    await migrateLatest(knex, repository.tables);
    const shares = new CallShares(knex, repository.tables);
    const ext = fc.constantFrom('1001', '1002', '1003');
    const group = fc.constantFrom('sales', 'support', 'other', 'unknown');
    try {
      await fc.assert(
        fc.asyncProperty(
          fc.record({ sales: fc.boolean(), support: fc.boolean(), other: fc.boolean() }),
          fc.array(fc.record({ agent: fc.option(ext, { nil: null }), group: fc.option(group, { nil: null }), shareWith: fc.option(ext, { nil: null }), unshared: fc.boolean() }), { maxLength: 8 }),
          ext,
          async (selfReview, calls, me) => {
            await knex(repository.tables.callShares).delete();
            await knex(repository.tables.calls).delete();
            const groups = Object.fromEntries(Object.entries(selfReview).map(([g, on]) => [g, { agentSelfReview: on } as never]));
            const expected: string[] = [];
            for (const [i, c] of calls.entries()) {
              const callId = randomUUID();
              await repository.upsertCall({ callId, caller: '+49301', destination: '5000', agentExtension: c.agent ?? undefined, group: c.group ?? undefined, direction: 'inbound', startedAt: new Date(Date.UTC(2026, 10, 1, 0, i)).toISOString() } as never);
              if (c.shareWith !== null) {
                await shares.share(callId, c.shareWith, 'sup');
                if (c.unshared) await shares.unshare(callId, c.shareWith, 'sup');
              }
              const sharedWith = await shares.sharedWith(callId);
              if (mayAgentReview({ groups }, me, { agentExtension: c.agent, group: c.group, sharedWith }).ok) expected.push(callId);
            }
            const scope = scopeOf({ id: 1, name: 'a', role: 'agent', groups: [], extension: me }, {}, selfReviewGroups({ groups }));
            const { total, calls: found } = await searchCalls(knex, repository.tables, scope, { page: 1, pageSize: 100 });
            expect(found.map((f) => f.callId).sort()).to.deep.equal(expected.sort());
            expect(total).to.equal(expected.length);
          },
        ),
        { numRuns: 60 },
      );
    } finally {
      await knex.destroy();
    }
  });

  it('an agent user without an extension sees nothing', async () => {
    const scope = scopeOf({ id: 1, name: 'a', role: 'agent', groups: [], extension: null }, { '2001': { extensions: ['1001'], groups: ['sales'] } }, ['sales']);
    expect(scope).to.deep.equal({ all: false, groups: [], extensions: [], agent: { extension: '', selfReviewGroups: ['sales'] } });
  });
});
