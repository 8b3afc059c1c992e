// `callwarden migrate`: brings the database schema to the latest version.

import type { CallwardenConfig } from '../config';
import { migrateLatest } from '../store';
import { describeDatabase, openRepository } from './open-repository';

export async function migrateCommand(config: CallwardenConfig, out: (line: string) => void): Promise<number> {
  const db = await openRepository(config, { migrate: false });
  try {
    const applied = await migrateLatest(db.knex, db.repository.tables);
    out(applied.length === 0 ? `${describeDatabase(config)}: schema already up to date` : `${describeDatabase(config)}: applied ${applied.join(', ')}`);
    return 0;
  } finally {
    await db.close();
  }
}
