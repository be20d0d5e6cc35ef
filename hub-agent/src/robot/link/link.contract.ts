import type { RobotCommand } from '@hearth/shared';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { BrokerTarget } from '../testing/broker-targets.js';
import { MqttRobotLink } from './mqtt-link.js';
import type { RobotLink, RobotMessage } from './robot-link.js';

const at = '2026-11-30T08:00:00.000Z';
const command = (id: string): RobotCommand => ({
  id,
  type: 'safety_check',
  room: 'bathroom',
  issuedAt: at,
  deadline: '2026-11-30T08:05:00.000Z',
});

/** Resolves with the first message (or invalid report) the link hears that `match` accepts. */
function heard(link: RobotLink, match: (m: RobotMessage) => boolean): Promise<RobotMessage> {
  return new Promise((resolve) => {
    const off = link.onMessage((m) => {
      if (!match(m)) return;
      off();
      resolve(m);
    });
  });
}
function reported(link: RobotLink): Promise<{ topic: string; reason: string }> {
  return new Promise((resolve) => {
    const off = link.onInvalid((topic, reason) => {
      off();
      resolve({ topic, reason });
    });
  });
}
function connection(link: RobotLink, up: boolean): Promise<void> {
  if (link.isConnected() === up) return Promise.resolve();
  return new Promise((resolve) => {
    const off = link.onConnection((now) => {
      if (now !== up) return;
      off();
      resolve();
    });
  });
}

/**
 * The robot link against a real broker: the hub's aedes and Mosquitto must behave the same for
 * everything the hub relies on (delivery, retained status, wills, queued commands, the ACL).
 */
export function robotLinkContract(
  name: string,
  makeTarget: (robots: string[]) => Promise<BrokerTarget>,
): void {
  describe(`robot link over ${name}`, () => {
    let target: BrokerTarget;
    let link: MqttRobotLink;
    const robots: MqttClient[] = [];

    const robot = async (id: string, options: mqtt.IClientOptions = {}): Promise<MqttClient> => {
      const client = await mqtt.connectAsync({
        host: '127.0.0.1',
        port: target.port,
        clientId: id,
        ...target.robot(id),
        protocolVersion: 4,
        reconnectPeriod: 0,
        ...options,
      });
      robots.push(client);
      return client;
    };

    beforeAll(async () => {
      target = await makeTarget(['r1', 'r2']);
    });
    afterAll(async () => {
      await target.stop();
    });
    afterEach(async () => {
      await link?.stop();
      for (const r of robots.splice(0)) r.end(true);
    });
    const startLink = async () => {
      link = new MqttRobotLink({
        url: target.url,
        ...target.hub,
        clientId: 'hearth-hub',
        reconnectPeriodMs: 100,
      });
      await link.start();
      await connection(link, true);
      return link;
    };

    it('hears a status retained before the hub connected, parsed', async () => {
      const r1 = await robot('r1');
      await r1.publishAsync(
        'hearth/robot/r1/status',
        JSON.stringify({ state: 'docked', battery: 80, room: 'hall', at }),
        {
          qos: 1,
          retain: true,
        },
      );
      await startLink();
      const status = await heard(link, (m) => m.channel === 'status' && m.robotId === 'r1');
      expect(status).toEqual({
        robotId: 'r1',
        channel: 'status',
        status: { state: 'docked', battery: 80, room: 'hall', at },
      });
    });

    it('delivers a command to the robot and hears its ack, progress and result in order', async () => {
      await startLink();
      const r1 = await robot('r1');
      await r1.subscribeAsync('hearth/robot/r1/cmd', { qos: 1 });
      const got = new Promise<unknown>((resolve) =>
        r1.once('message', (_t, p) => resolve(JSON.parse(p.toString()))),
      );
      await link.send('r1', command('c-1'));
      expect(await got).toEqual(command('c-1'));
      const order: string[] = [];
      link.onMessage((m) => order.push(m.channel));
      const done = heard(link, (m) => m.channel === 'result');
      await r1.publishAsync('hearth/robot/r1/ack', JSON.stringify({ id: 'c-1', accepted: true }), { qos: 1 });
      await r1.publishAsync(
        'hearth/robot/r1/progress',
        JSON.stringify({ id: 'c-1', state: 'moving', room: 'bathroom' }),
        {
          qos: 1,
        },
      );
      await r1.publishAsync('hearth/robot/r1/result', JSON.stringify({ id: 'c-1', outcome: 'ok', at }), {
        qos: 1,
      });
      expect(await done).toMatchObject({ robotId: 'r1', result: { id: 'c-1', outcome: 'ok' } });
      expect(order).toEqual(['ack', 'progress', 'result']);
    });

    it('reports a message that breaks the protocol instead of dropping it', async () => {
      await startLink();
      const r1 = await robot('r1');
      const bad = reported(link);
      await r1.publishAsync('hearth/robot/r1/result', JSON.stringify({ id: 'c-1', outcome: 'fine', at }), {
        qos: 1,
      });
      const report = await bad;
      expect(report.topic).toBe('hearth/robot/r1/result');
      expect(report.reason).toMatch(/outcome/);
      const notJson = reported(link);
      await r1.publishAsync('hearth/robot/r1/ack', '{nope', { qos: 1 });
      expect((await notJson).reason).toMatch(/not JSON/);
    });

    it("hears a robot's will when it drops off", async () => {
      await startLink();
      const will = { state: 'offline', battery: 50, room: 'kitchen', at };
      const r2 = await robot('r2', {
        will: {
          topic: 'hearth/robot/r2/status',
          payload: Buffer.from(JSON.stringify(will)),
          qos: 1,
          retain: true,
        },
      });
      const offline = heard(
        link,
        (m) => m.channel === 'status' && m.robotId === 'r2' && m.status.state === 'offline',
      );
      r2.stream.destroy();
      expect(await offline).toMatchObject({ status: will });
    });

    it('queues a command for a robot that is away and delivers it when it returns', async () => {
      await startLink();
      const away = await robot('r2', { clean: false });
      await away.subscribeAsync('hearth/robot/r2/cmd', { qos: 1 });
      await away.endAsync();
      await link.send('r2', command('c-queued'));
      const back = mqtt.connect({
        host: '127.0.0.1',
        port: target.port,
        clientId: 'r2',
        ...target.robot('r2'),
        clean: false,
        protocolVersion: 4,
        reconnectPeriod: 0,
      });
      robots.push(back);
      const payload = await new Promise<string>((resolve) =>
        back.once('message', (_t, p) => resolve(p.toString())),
      );
      expect(JSON.parse(payload).id).toBe('c-queued');
    });

    it("does not pass on a robot's publish under another robot's id", async () => {
      await startLink();
      const seen: RobotMessage[] = [];
      link.onMessage((m) => seen.push(m));
      const r1 = await robot('r1');
      // Mosquitto drops it silently; aedes closes the connection. Either way it must not arrive.
      r1.publish('hearth/robot/r2/result', JSON.stringify({ id: 'forged', outcome: 'ok', at }), { qos: 0 });
      const r2 = await robot('r2');
      const sentinel = heard(link, (m) => m.channel === 'ack' && m.ack.id === 'sentinel');
      await r2.publishAsync('hearth/robot/r2/ack', JSON.stringify({ id: 'sentinel', accepted: true }), {
        qos: 1,
      });
      await sentinel;
      expect(seen.some((m) => m.channel === 'result' && m.result.id === 'forged')).toBe(false);
    });

    it('refuses a client that is not paired', async () => {
      await expect(
        mqtt.connectAsync({
          host: '127.0.0.1',
          port: target.port,
          clientId: 'r9',
          username: 'r9',
          password: 'guess',
          protocolVersion: 4,
          reconnectPeriod: 0,
        }),
      ).rejects.toThrow(/Not authorized|Bad username or password/i);
    });

    it('pairs a robot, then on removal disconnects it at once and refuses it afterwards', async () => {
      const login = await target.pair('r3');
      const options = {
        host: '127.0.0.1',
        port: target.port,
        clientId: 'r3',
        ...login,
        protocolVersion: 4 as const,
        reconnectPeriod: 0,
      };
      const r3 = await mqtt.connectAsync(options);
      robots.push(r3);
      // Connected and allowed: its status reaches the hub.
      await startLink();
      const status = heard(link, (m) => m.channel === 'status' && m.robotId === 'r3');
      await r3.publishAsync(
        'hearth/robot/r3/status',
        JSON.stringify({ state: 'online', battery: 90, room: 'hall', at }),
        { qos: 1 },
      );
      await status;
      const closed = new Promise<void>((resolve) => r3.once('close', () => resolve()));
      await target.revoke('r3');
      await closed;
      expect(r3.connected).toBe(false);
      await expect(mqtt.connectAsync(options)).rejects.toThrow(/Not authorized|Bad username or password/i);
    });

    it('says LINK_DOWN when asked to send while the broker is unreachable', async () => {
      link = new MqttRobotLink({
        url: 'mqtt://127.0.0.1:1',
        ...target.hub,
        clientId: 'hearth-hub',
        reconnectPeriodMs: 100,
      });
      await link.start();
      await expect(link.send('r1', command('c-x'))).rejects.toMatchObject({ code: 'LINK_DOWN' });
    });
  });
}
