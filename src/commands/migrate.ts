// `callwarden migrate`: brings the database schema to the latest version (creating the SQLite file if needed).

import type { CliCommand } from './command';
import { describeDatabase, openRepository } from './open-repository';

export const migrateCommand: CliCommand = {
  name: 'migrate',
  summary: 'bring the database schema up to date (the daemon also does it at start)',
  details: 'The only command besides `run` that creates the SQLite file when it is missing.',
  async run(config, _args, out) {
    const { migrateLatest } = await import('../store');
    const db = await openRepository(config, { migrate: false });
    try {
      const applied = await migrateLatest(db.knex, db.repository.tables);
      out(applied.length === 0 ? `${describeDatabase(config)}: schema already up to date` : `${describeDatabase(config)}: applied ${applied.join(', ')}`);
      return 0;
    } finally {
      await db.close();
    }
  },
};
