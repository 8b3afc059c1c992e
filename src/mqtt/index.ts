// The MQTT layer's public surface: what the daemon imports.

export * from './call-view';
export { startMqtt, type MqttHandle, type StartMqttDeps } from './start-mqtt';
export { MqttPublisher, type MqttPublisherOptions } from './mqtt-publisher';
export { publishCallViews } from './publish-call-views';
export { disabledPublisher } from './disabled-publisher';
export { startEmbeddedBroker, type EmbeddedBroker, type EmbeddedBrokerOptions } from './embedded-broker';
export { resolveMqttTarget, redactUrl, DEFAULT_EMBEDDED, type MqttOptions, type MqttTarget, type EmbeddedBrokerSettings } from './mqtt-options';
export { nodeTopics, encodeTopicLevel, TOPIC_ROOT, type NodeTopics } from './mqtt-topics';
