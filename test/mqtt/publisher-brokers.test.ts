// Runs the publisher suite against every broker available: embedded aedes always, Mosquitto when configured.

import { describePublisherSuite } from './publisher-suite';
import { testBrokers } from './test-brokers';

for (const definition of testBrokers()) describePublisherSuite(definition);
