// One eavesdrop mode, three vocabularies: the stream layer's (FreeSWITCH's view), the store's and the MQTT view's.

import type { CallMonitorMode } from '../mqtt';
import type { MonitorMode as StoreMonitorMode } from '../store';
import { microsToDate, type MonitorMode } from '../streams';

/** The target is always the agent's leg (see coaching-keys.ts), so "talk to the target" is a whisper. */
export const STORE_MODE: Readonly<Record<MonitorMode, StoreMonitorMode>> = {
  listen: 'listen',
  'talk-partner': 'talk',
  'talk-target': 'whisper',
  'three-way': 'conference',
};

export const VIEW_MODE: Readonly<Record<MonitorMode, CallMonitorMode>> = {
  listen: 'listen',
  'talk-partner': 'talk-caller',
  'talk-target': 'whisper-agent',
  'three-way': 'conference',
};

/** µs since the epoch (Event-Date-Timestamp) → Date; the daemon's clock only when FreeSWITCH gave no time. */
export function eventTime(micros: number | undefined): Date {
  return microsToDate(micros) ?? new Date();
}
