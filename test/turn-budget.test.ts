// Chains of SQLite queries give the event loop a turn: sockets and timers are not starved by microtasks.

import { expect } from 'chai';
import { Knex } from 'knex';
import { performance } from 'node:perf_hooks';
import { createStoreKnex, SQLITE_TURN_SLICE_MS, sqliteTurnYields } from '../src/store/store-knex';
import { TurnBudget } from '../src/turn-budget';

describe('SQLite queries and the event loop', function () {
  let knex: Knex;
  beforeEach(function () {
    knex = createStoreKnex({ client: 'better-sqlite3', filename: ':memory:' });
  });
  afterEach(async function () {
    await knex.destroy();
  });

  it('lets a pending setImmediate run while one chain of awaited queries goes on', async function () {
    // better-sqlite3 answers synchronously: without the budget every awaited query resolves in
    // the same microtask checkpoint and this loop would run its whole 2 s without a turn.
    await knex.raw('select 1'); // connection made
    let turned = false;
    setImmediate(() => (turned = true));
    const yieldsBefore = sqliteTurnYields();
    const started = performance.now();
    let queries = 0;
    while (!turned && performance.now() - started < 2000) {
      await knex.raw('select 1');
      queries++;
    }
    expect(turned, `the loop got no turn in ${queries} queries`).to.equal(true);
    expect(sqliteTurnYields()).to.be.greaterThan(yieldsBefore);
    expect(queries).to.be.greaterThan(1);
  });

  it('does not hold up queries that stay within the slice of one turn', function () {
    const budget = new TurnBudget(SQLITE_TURN_SLICE_MS * 1000);
    for (let i = 0; i < 1000; i++) expect(budget.pause()).to.equal(undefined);
    expect(budget.yields).to.equal(0);
  });

  it('after the slice, asks for the next turn once the slice is used, and starts a new slice there', async function () {
    const budget = new TurnBudget(0);
    expect(budget.pause(), 'the first query of a turn runs at once').to.equal(undefined);
    const wait = budget.pause();
    expect(wait).to.be.instanceOf(Promise);
    await wait;
    expect(budget.yields).to.equal(1);
    expect(budget.pause(), 'a new turn: runs at once').to.equal(undefined);
  });
});
