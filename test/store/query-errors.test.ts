// A failed statement's error keeps the driver's code and never carries the values it bound (phone numbers, names) into its text.

import { expect } from 'chai';
import { Knex } from 'knex';
import { createStoreKnex } from '../../src/store';
import { CompiledSql, named } from '../../src/store/compiled-sql';
import { isConflictError } from '../../src/store/db-errors';
import { selectBackends, type TestBackend } from './test-backends';

for (const backend of selectBackends()) {
  describe(`failed statements on ${backend.name}`, function () {
    defineSuite(backend);
  });
}

function defineSuite(backend: TestBackend): void {
  let knex: Knex;
  const table = `${backend.tablePrefix}query_errors`;
  const caller = '+4930 5550 1234'; // personal data bound into the statement

  before(async function () {
    knex = createStoreKnex(backend.dbOptions());
    await knex.schema.dropTableIfExists(table);
    await knex.schema.createTable(table, (t) => {
      t.string('id', 64).primary();
      t.string('caller', 64);
    });
    await knex(table).insert({ id: 'taken', caller });
  });

  after(async function () {
    await knex.schema.dropTableIfExists(table).catch(() => undefined);
    await knex.destroy();
    await backend.cleanup();
  });

  it('a query builder statement: the SQL, the driver code, not the bound values', async function () {
    const err = (await knex(table)
      .insert({ id: 'taken', caller })
      .then(() => undefined, (e: Error) => e)) as Error | undefined;
    expect(err, 'the duplicate key must fail').to.be.instanceOf(Error);
    expect(err!.message).to.include(table);
    expect(err!.message).not.to.include(caller);
    expect(isConflictError(err), `code ${(err as { code?: string }).code}`).to.equal(true);
  });

  it('a compiled write (run on the driver directly): the driver code, not the bound values', async function () {
    const writes = new CompiledSql();
    const row = { id: 'taken', caller };
    const err = (await writes
      .run(knex, 'insert', row, (value) => knex(table).insert(named(row, value)))
      .then(() => undefined, (e: Error) => e)) as Error | undefined;
    expect(err, 'the duplicate key must fail').to.be.instanceOf(Error);
    expect(err!.message).not.to.include(caller);
    expect(isConflictError(err), `code ${(err as { code?: string }).code}`).to.equal(true);
    // The pool got its connection back: the next statement runs.
    await writes.run(knex, 'insert', { id: 'free', caller }, (value) => knex(table).insert(named({ id: 'free', caller }, value)));
    expect(await knex(table).where({ id: 'free' }).first()).to.deep.include({ caller });
  });
}
