// The robot link through the hub's own broker (aedes on SQLite) and through Mosquitto, in the same
// run: command → ack round trip as the hub sees it (median, p99), QoS 1 messages per second from
// the hub to one robot, their ratio, and the resident memory of a real hearth-agent with its
// broker and one robot connected. `npm run bench -- robot [roundTrips] [messages]`
import { robotTopic } from '@hearth/shared';
import mqtt from 'mqtt';
import { MqttRobotLink } from '../hub-agent/src/robot/link/mqtt-link.js';
import {
  aedesTarget,
  type BrokerTarget,
  mosquittoTarget,
} from '../hub-agent/src/robot/testing/broker-targets.js';
import { measureAgentMemory } from './support/agent-memory.js';

function stats(samplesMs: number[]) {
  const sorted = [...samplesMs].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
  const round = (x: number) => Math.round(x * 1000) / 1000;
  return { medianMs: round(at(0.5)), p99Ms: round(at(0.99)), samples: sorted.length };
}

async function measure(target: BrokerTarget, roundTrips: number, messages: number) {
  const link = new MqttRobotLink({
    url: target.url,
    ...target.hub,
    clientId: 'hearth-hub',
    reconnectPeriodMs: 100,
  });
  const robot = await mqtt.connectAsync(target.url, {
    clientId: 'r1',
    ...target.robot('r1'),
    protocolVersion: 4,
  });
  (robot.stream as { setNoDelay?: (on: boolean) => void }).setNoDelay?.(true);
  await robot.subscribeAsync(robotTopic('r1', 'cmd'), { qos: 1 });
  // The robot acknowledges every command at once: what is measured is the path, not the robot.
  let counting: (() => void) | null = null;
  robot.on('message', (_t, payload) => {
    if (counting) return counting();
    const { id } = JSON.parse(payload.toString()) as { id: string };
    robot.publish(robotTopic('r1', 'ack'), JSON.stringify({ id, accepted: true }), { qos: 1 });
  });
  await link.start();
  while (!link.isConnected()) await new Promise((r) => setTimeout(r, 10));
  const waiting = new Map<string, () => void>();
  link.onMessage((m) => {
    if (m.channel === 'ack') waiting.get(m.ack.id)?.();
  });
  const command = (id: string) => ({
    id,
    type: 'go_to' as const,
    room: 'kitchen',
    issuedAt: new Date().toISOString(),
    deadline: new Date(Date.now() + 60_000).toISOString(),
  });
  const samples: number[] = [];
  for (let i = 0; i < roundTrips + 20; i++) {
    const id = `rt-${i}`;
    const acked = new Promise<void>((resolve) => waiting.set(id, resolve));
    const start = performance.now();
    await link.send('r1', command(id));
    await acked;
    if (i >= 20) samples.push(performance.now() - start); // the first 20 warm up
    waiting.delete(id);
  }
  await link.stop();

  // QoS 1 throughput: the hub publishes `messages` commands, the robot receives each (PUBACK both ways).
  const hub = await mqtt.connectAsync(target.url, {
    clientId: 'hearth-hub-bench',
    ...target.hub,
    protocolVersion: 4,
  });
  let received = 0;
  const all = new Promise<void>((resolve) => {
    counting = () => {
      received++;
      if (received === messages) resolve();
    };
  });
  const payload = JSON.stringify(command('throughput'));
  const start = performance.now();
  const window = 100;
  for (let sent = 0; sent < messages; sent += window) {
    await Promise.all(
      Array.from({ length: Math.min(window, messages - sent) }, () =>
        hub.publishAsync(robotTopic('r1', 'cmd'), payload, { qos: 1 }),
      ),
    );
  }
  await all;
  const seconds = (performance.now() - start) / 1000;
  await hub.endAsync();
  await robot.endAsync();
  return { commandToAck: stats(samples), qos1MessagesPerSecond: Math.round(messages / seconds) };
}

export default async function robot(args: string[]): Promise<Record<string, unknown>> {
  const roundTrips = Number(args[0] ?? 1000);
  const messages = Number(args[1] ?? 10_000);
  const results: Record<string, Awaited<ReturnType<typeof measure>>> = {};
  for (const [name, make] of [
    ['aedes', aedesTarget],
    ['mosquitto', mosquittoTarget],
  ] as const) {
    const target = await make(['r1']);
    try {
      results[name] = await measure(target, roundTrips, messages);
    } finally {
      await target.stop();
    }
  }
  const a = results.aedes!;
  const m = results.mosquitto!;
  return {
    roundTrips,
    messages,
    aedes: a,
    mosquitto: m,
    ratio: {
      /** >1: aedes is slower than Mosquitto by this factor. */
      commandToAckMedian: Math.round((a.commandToAck.medianMs / m.commandToAck.medianMs) * 100) / 100,
      commandToAckP99: Math.round((a.commandToAck.p99Ms / m.commandToAck.p99Ms) * 100) / 100,
      /** <1: aedes moves this fraction of Mosquitto's QoS 1 messages per second. */
      qos1Throughput: Math.round((a.qos1MessagesPerSecond / m.qos1MessagesPerSecond) * 100) / 100,
    },
    // The production bundle under the unit's node options, model loaded, broker and one robot connected.
    hubAgentWithBrokerAndOneRobot: await measureAgentMemory({ robot: true }),
    note: 'aedes persists every QoS 1 message in SQLite (WAL); the Mosquitto target runs without persistence',
  };
}
