// The two ways ingest writes a batch (COPY on PostgreSQL, one statement on PGlite) store the same
// rows, and a row the database refuses fails the write instead of leaving the upload waiting.
import { randomUUID } from 'node:crypto';
import type { SensorEvent } from '@hearth/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { transaction } from '../src/db/database.js';
import { copyRowsWriter, insertRowsWriter, type RowsWriter } from '../src/ingest/rows-writer.js';
import { cloudOn, reading, type TestCloud } from './harness.js';
import { databaseTargets } from './targets.js';

describe.each(databaseTargets())('event rows writers on $name', (target) => {
  let cloud: TestCloud;
  let teardown: () => Promise<void>;
  let seniorId: string;

  beforeAll(async () => {
    ({ cloud, teardown } = await cloudOn(target));
    seniorId = await cloud.senior((await cloud.staff('admin')).token);
  });
  afterAll(() => teardown());

  // PGlite's socket does not carry COPY; PostgreSQL takes both.
  const writers: [string, RowsWriter][] =
    target.name === 'pglite'
      ? [['insert', insertRowsWriter]]
      : [
          ['copy', copyRowsWriter],
          ['insert', insertRowsWriter],
        ];

  describe.each(writers)('%s', (_name, writer) => {
    it('stores every field as sent', async () => {
      const hubId = randomUUID();
      const events: SensorEvent[] = [
        reading(hubId, 1, { value: null, room: undefined }),
        reading(hubId, 2, { value: 21.25, bootId: 'b\t1', clockUnsynced: true }),
        reading(hubId, 3, { value: 'a\\b\nc', sensorId: 'x\r\ny', ts: '2026-11-22T03:00:00.123456+01:00' }),
      ];
      await transaction(cloud.sql, (tx) => writer.write(tx, writer.prepare({ hubId, seniorId, events })));
      const rows = await cloud.sql`
        select seq, senior_id, sensor_id, kind, value, value is null as sql_null, room, boot_id, clock_unsynced,
          to_char(ts at time zone 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') as ts
        from sensor_events where hub_id = ${hubId} order by seq`;
      expect(rows).toEqual([
        {
          seq: 1,
          senior_id: seniorId,
          sensor_id: 'pir-hall',
          kind: 'motion',
          value: null,
          sql_null: false,
          room: null,
          boot_id: null,
          clock_unsynced: false,
          ts: '2026-11-22 03:00:01.000000',
        },
        {
          seq: 2,
          senior_id: seniorId,
          sensor_id: 'pir-hall',
          kind: 'motion',
          value: 21.25,
          sql_null: false,
          room: 'hall',
          boot_id: 'b\t1',
          clock_unsynced: true,
          ts: '2026-11-22 03:00:02.000000',
        },
        {
          seq: 3,
          senior_id: seniorId,
          sensor_id: 'x\r\ny',
          kind: 'motion',
          value: 'a\\b\nc',
          sql_null: false,
          room: 'hall',
          boot_id: null,
          clock_unsynced: false,
          ts: '2026-11-22 02:00:00.123456',
        },
      ]);
    });

    it('fails, and stores nothing, when the database refuses a row', async () => {
      const hubId = randomUUID();
      const events = [reading(hubId, 1), reading(hubId, 2)];
      const write = transaction(cloud.sql, (tx) =>
        writer.write(tx, writer.prepare({ hubId, seniorId: 'not-a-uuid', events })),
      );
      await expect(write).rejects.toMatchObject({ code: '22P02' });
      expect(await cloud.storedSeqs(hubId)).toEqual([]);
      // The connection is still good for the next upload.
      await transaction(cloud.sql, (tx) => writer.write(tx, writer.prepare({ hubId, seniorId, events })));
      expect(await cloud.storedSeqs(hubId)).toEqual([1, 2]);
    });
  });
});
