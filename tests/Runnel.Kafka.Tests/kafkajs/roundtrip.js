// kafkajs against a silo's Kafka listener: produces COUNT keyed records with a header to TOPIC (acks all), then
// consumes them in consumer group GROUP from the beginning (offsets auto-committed), and prints one JSON line:
// {"produced":[{partition,offset}],"consumed":[{partition,offset,key,value,origin}]}.
// Usage: node roundtrip.js BROKER TOPIC GROUP COUNT
'use strict';
const { Kafka, logLevel, Partitioners } = require('kafkajs');

const [broker, topic, groupId, countText] = process.argv.slice(2);
const count = Number(countText);
const kafka = new Kafka({ clientId: 'runnel-kafkajs-test', brokers: [broker], logLevel: logLevel.ERROR, retry: { retries: 8 } });

async function main() {
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const produced = [];
  for (let i = 0; i < count; i++) {
    const [meta] = await producer.send({
      topic,
      acks: -1,
      messages: [{ key: `key-${i % 4}`, value: `kafkajs-${i}`, headers: { origin: 'kafkajs' } }],
    });
    produced.push({ partition: meta.partition, offset: Number(meta.baseOffset) });
  }
  await producer.disconnect();

  const consumer = kafka.consumer({ groupId, sessionTimeout: 10000, heartbeatInterval: 1000, maxWaitTimeInMs: 200 });
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  const consumed = [];
  await new Promise((resolve, reject) => {
    consumer.on(consumer.events.CRASH, (e) => reject(e.payload.error));
    consumer.run({
      autoCommitInterval: 100,
      eachMessage: async ({ partition, message }) => {
        consumed.push({
          partition,
          offset: Number(message.offset),
          key: message.key.toString(),
          value: message.value.toString(),
          origin: message.headers.origin.toString(),
        });
        if (consumed.length === count) {
          resolve();
        }
      },
    }).catch(reject);
  });
  await consumer.commitOffsets([]); // flush whatever auto-commit has not sent yet
  await consumer.disconnect(); // commits the resolved offsets and leaves the group
  process.stdout.write(JSON.stringify({ produced, consumed }) + '\n');
}

const guard = setTimeout(() => { process.stderr.write('kafkajs round trip timed out\n'); process.exit(3); }, 90000);
main().then(() => { clearTimeout(guard); process.exit(0); }, (e) => { process.stderr.write(`kafkajs failed: ${e.stack || e}\n`); process.exit(2); });
