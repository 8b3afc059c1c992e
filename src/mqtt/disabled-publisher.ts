// The publisher used when MQTT is off: the daemon calls it the same way and nothing leaves the process.

import type { CallPublisher } from './call-view';

export const disabledPublisher: CallPublisher = {
  publishCall: () => undefined,
  clearCall: () => undefined,
  publishEvent: () => undefined,
  publishStatus: () => undefined,
  publishAgent: () => undefined,
  close: async () => undefined,
};
