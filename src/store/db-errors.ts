// Classifies driver errors that mean "another writer got there first, try again" on either engine.

const CONFLICT_CODES = new Set([
  'ER_DUP_ENTRY', // MySQL unique violation: a concurrent insert won
  'ER_LOCK_DEADLOCK', // InnoDB chose us as the deadlock victim; the transaction is safe to rerun
  'ER_LOCK_WAIT_TIMEOUT',
  'SQLITE_BUSY',
  'SQLITE_BUSY_SNAPSHOT',
  'SQLITE_LOCKED',
  'SQLITE_CONSTRAINT_UNIQUE',
  'SQLITE_CONSTRAINT_PRIMARYKEY',
]);

export function isConflictError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && CONFLICT_CODES.has(code);
}

/** Thrown inside a transaction when a compare-and-swap lost; rerunning the transaction resolves it. */
export class StoreConflictError extends Error {
  override name = 'StoreConflictError' as const;
  readonly code = 'CALLWARDEN_CONFLICT';
}

/** Reruns `attempt` while it fails with a conflict, with a short randomised pause so racers spread out. */
export async function retryOnConflict<T>(attempt: () => Promise<T>, maxAttempts = 25): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await attempt();
    } catch (err) {
      const conflict = err instanceof StoreConflictError || isConflictError(err);
      if (!conflict || i >= maxAttempts) throw err;
      await new Promise((r) => setTimeout(r, Math.random() * Math.min(50, 2 * i)));
    }
  }
}
