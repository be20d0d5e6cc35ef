import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { readCredentials } from '../config/credentials.js';
import { dataPaths } from '../config/paths.js';
import { FaultyCloudLink, MemoryCloud } from '../uplink/fake-cloud-link.js';
import { CliError, EXIT, Output } from './output.js';
import { pair } from './pair.js';

const quiet = () => new Output(true, new PassThrough(), new PassThrough());

describe('hearth pair through the cloud link', () => {
  it('claims the code, checks the key and stores who the hub is', async () => {
    const cloud = new MemoryCloud();
    cloud.pairingCodes.set('ABCD-1234', '0b7d8f4e-58b5-4c1e-9a57-1f1d54f5a001');
    const dataDir = mkdtempSync(join(tmpdir(), 'hearth-pair-'));
    const paired = await pair(
      { cloud: 'https://care.example.org/', code: 'ABCD-1234', dataDir, deviceId: 'pi-1' },
      quiet(),
      cloud,
    );
    expect(readCredentials(dataPaths(dataDir).credentials)).toEqual(paired);
    expect(paired).toMatchObject({
      cloudUrl: 'https://care.example.org',
      seniorName: 'Ada Lovelace',
      deviceId: 'pi-1',
    });
    expect(cloud.hubs.get(paired.apiKey)?.hubId).toBe(paired.hubId);
  });

  it('says the code was refused, or the cloud unreachable, with the exit code a script can check', async () => {
    const link = new FaultyCloudLink(new MemoryCloud());
    const dataDir = mkdtempSync(join(tmpdir(), 'hearth-pair-'));
    const attempt = () =>
      pair({ cloud: 'https://care.example.org', code: 'USED-0000', dataDir }, quiet(), link);
    await expect(attempt()).rejects.toMatchObject({
      exitCode: EXIT.CLOUD_REFUSED,
      message: 'the cloud refused the pairing code: pairing code unknown, used or expired',
    });
    link.cut();
    const unreachable = await attempt().catch((e: unknown) => e);
    expect(unreachable).toBeInstanceOf(CliError);
    expect(unreachable).toMatchObject({ exitCode: EXIT.CLOUD_UNREACHABLE, code: 'CLOUD_UNREACHABLE' });
    expect((unreachable as Error).message).toMatch(
      /cannot reach the cloud at https:\/\/care\.example\.org .*hearth diagnose/,
    );
    link.restore();
    link.fail(1, 502);
    await expect(attempt()).rejects.toMatchObject({
      exitCode: EXIT.CLOUD_UNREACHABLE,
      code: 'CLOUD_REFUSED',
    });
  });
});
