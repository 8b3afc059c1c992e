// The call controllers a test daemon started, in order, and a wait for one call's controller (it may start later).

import type { CallController } from '../../src/calls';

export interface ControllerLog {
  readonly controllers: CallController[];
  /** The call handler's and adoption's onController. */
  onController(controller: CallController): void;
  controllerOf(callId: string): Promise<CallController>;
}

export function controllerLog(): ControllerLog {
  const controllers: CallController[] = [];
  // The first controller of each call, found without a scan (the load bench asks it for thousands).
  const firstOf = new Map<string, CallController>();
  const waiting = new Map<string, (c: CallController) => void>();
  return {
    controllers,
    onController(controller) {
      controllers.push(controller);
      if (!firstOf.has(controller.callId)) firstOf.set(controller.callId, controller);
      waiting.get(controller.callId)?.(controller);
    },
    controllerOf(callId) {
      const found = firstOf.get(callId);
      return found ? Promise.resolve(found) : new Promise((resolve) => waiting.set(callId, resolve));
    },
  };
}
