// The agent's side: the recording lamp (BLF via PRESENCE_IN) and the agent's state on MQTT.

export * from './agent-config';
export * from './agent-board';
export * from './presence-event';
export * from './recording-lamp-publisher';
export * from './agent-side';
