// The hubs of the ingest bench, in a thread of their own: a hub is another machine, so its HTTP
// client should not take the cloud's event loop. Each hub sends its batches in order, with as many
// in flight as a real hub's uplink keeps (`UPLOADS_IN_FLIGHT`).
import { parentPort, workerData } from 'node:worker_threads';
import { UPLOADS_IN_FLIGHT } from '@hearth/shared';
import { uploadBatch } from './cloud.js';

export interface UploadJob {
  url: string;
  hubs: { apiKey: string; bodies: Uint8Array[] }[];
}

export interface UploadResult {
  seconds: number;
  /** Request → answer of every batch, in ms. */
  latencies: number[];
}

const job = workerData as UploadJob;
const latencies: number[] = [];
const started = performance.now();
await Promise.all(
  job.hubs.map(async (hub) => {
    let next = 0;
    await Promise.all(
      Array.from({ length: UPLOADS_IN_FLIGHT }, async () => {
        while (next < hub.bodies.length) {
          const body = hub.bodies[next++]!;
          const sent = performance.now();
          await uploadBatch(job.url, hub.apiKey, body);
          latencies.push(performance.now() - sent);
        }
      }),
    );
  }),
);
parentPort!.postMessage({ seconds: (performance.now() - started) / 1000, latencies } satisfies UploadResult);
