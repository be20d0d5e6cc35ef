import { randomUUID } from 'node:crypto';
import type { Alert, RaisedAlert } from '@hearth/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AlertStore } from '../src/alerts/alert-store.js';
import { transaction } from '../src/db/database.js';
import { cloudOn, pendantAlert, type TestCloud } from './harness.js';
import { databaseTargets } from './targets.js';

const pause = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

// On PGlite the one connection serialises everything, so the overlap below cannot happen there and the
// test only checks the outcome; on PostgreSQL the two transactions really overlap.
describe.each(databaseTargets())('a resuming dashboard never skips an alert on $name', (target) => {
  let cloud: TestCloud;
  let teardown: () => Promise<void>;
  let carer: Awaited<ReturnType<TestCloud['staff']>>;
  let seniorId: string;
  let hub: { hubId: string; apiKey: string };

  beforeAll(async () => {
    ({ cloud, teardown } = await cloudOn(target));
    const admin = await cloud.staff('admin');
    carer = await cloud.staff('staff');
    seniorId = await cloud.senior(admin.token);
    await cloud.assign(admin.token, seniorId, carer.id);
    hub = await cloud.pairHub(admin.token, seniorId);
  });
  afterAll(() => teardown());

  it('delivers an alert whose transaction took its cursor first but committed after a later change', async () => {
    expect((await cloud.upload(hub.apiKey, [pendantAlert(hub.hubId, 1, randomUUID())])).status).toBe(200);
    const first = await cloud.ws(carer.token);
    const snapshot = (await first.subscribe('alerts')).data as { alerts: Alert[]; cursor: number };
    const pendant = snapshot.alerts.find((a) => a.kind === 'pendant_pressed')!;
    expect(pendant).toBeDefined();
    first.close();

    // Connected before the slow upload: opening a socket checks the token in the database, which
    // on PGlite's single connection would wait for the transaction held below.
    const between = await cloud.ws(carer.token);

    // A slow upload: its fall alert takes a cursor, then the transaction stays open.
    let commit!: () => void;
    const held = new Promise<void>((r) => {
      commit = r;
    });
    let recorded!: () => void;
    const cursorTaken = new Promise<void>((r) => {
      recorded = r;
    });
    const raised = pendantAlert(hub.hubId, 2, randomUUID(), 'fall_suspected').alert as RaisedAlert;
    const slow = transaction(cloud.sql, async (tx) => {
      const alert = await new AlertStore(cloud.sql).recordFromHub(
        tx,
        { id: hub.hubId, seniorId },
        raised,
        new Date().toISOString(),
        { dedupeSeconds: 120, escalationSeconds: 300 },
      );
      recorded();
      await held;
      return alert;
    });
    await cursorTaken;

    // Meanwhile a carer acknowledges the pendant alert, and a dashboard resumes.
    const ack = cloud.api('POST', `alerts/${pendant.id}/ack`, { token: carer.token });
    await Promise.race([ack, pause(400)]);
    const resumeBetween = between.subscribe('alerts', { cursor: snapshot.cursor });
    await Promise.race([resumeBetween, pause(400)]);

    commit();
    const fall = await slow;
    expect((await ack).body.status).toBe('acknowledged');
    const early = (await resumeBetween).data as { alerts: Alert[]; cursor: number };
    between.close();

    // The dashboard reconnects once more from where it left off: together it has seen both changes.
    const later = await cloud.ws(carer.token);
    const late = (await later.subscribe('alerts', { cursor: early.cursor })).data as { alerts: Alert[] };
    later.close();
    const seen = [...early.alerts, ...late.alerts];
    expect(seen.map((a) => a.id)).toContain(fall!.id);
    expect(seen.find((a) => a.id === pendant.id)?.status).toBe('acknowledged');
  });
});
