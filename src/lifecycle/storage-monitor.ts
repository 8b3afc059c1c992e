// Probes the recording volume on a timer: warns in the log and on MQTT when space runs low, and feeds the storage gate.

import type { Logger } from '../logger';
import { storageLevel, type StorageLevel, type StorageState } from '../policies';
import type { StorageConfig } from './lifecycle-config';
import { probeDisk, type DiskProbe } from './disk-probe';

export interface StorageMonitorOptions {
  readonly directory: string;
  readonly config: StorageConfig;
  readonly logger: Logger;
  readonly probe?: DiskProbe;
  /** Called when the level changes (MQTT status). */
  readonly onChange?: (state: StorageState) => void;
}

export class StorageMonitor {
  private state: StorageState | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly log: Logger;

  constructor(private readonly options: StorageMonitorOptions) {
    this.log = options.logger.child({ module: 'storage' });
  }

  /** The last probe's answer; undefined before the first or when the probe fails (then nothing is claimed). */
  current(): StorageState | undefined {
    return this.state;
  }

  start(): Promise<void> {
    this.timer = setInterval(() => void this.check(), this.options.config.checkIntervalMs);
    this.timer.unref();
    return this.check();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  async check(): Promise<void> {
    let next: StorageState | undefined;
    try {
      const space = await (this.options.probe ?? probeDisk)(this.options.directory);
      const level: StorageLevel = storageLevel(space.freeBytes, this.options.config);
      next = { level, freeMb: Math.floor(space.freeBytes / 1_048_576), criticalFreeMb: this.options.config.criticalFreeMb };
    } catch (err) {
      this.log.warn(`cannot measure free space of ${this.options.directory} (${(err as Error).message})`);
      return;
    }
    const before = this.state?.level;
    this.state = next;
    if (before === next.level) return;
    const c = this.options.config;
    if (next.level === 'critical') this.log.error(`recording volume has ${next.freeMb} MB free, below the critical ${c.criticalFreeMb} MB: no new recording starts until space is back`);
    else if (next.level === 'low') this.log.warn(`recording volume has ${next.freeMb} MB free, below the warning threshold ${c.warnFreeMb} MB (callwarden storage)`);
    else if (before !== undefined) this.log.info(`recording volume has ${next.freeMb} MB free again`);
    this.options.onChange?.(next);
  }
}
