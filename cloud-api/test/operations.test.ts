import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { UploadBatch } from '@hearth/shared';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { cloudOn, pendantAlert, reading, TestCloud } from './harness.js';
import { databaseTargets } from './targets.js';

const METRICS_TOKEN = 'scrape-token-0123456789';

describe.each(databaseTargets())('operating the cloud on $name', (target) => {
  let cloud: TestCloud;
  let teardown: () => Promise<void>;
  const lines: Record<string, unknown>[] = [];

  beforeAll(async () => {
    const sink = new Writable({
      write(chunk, _enc, done) {
        for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line));
        done();
      },
    });
    ({ cloud, teardown } = await cloudOn(target, {
      log: pino({ level: 'info' }, sink),
      env: { HEARTH_METRICS_TOKEN: METRICS_TOKEN },
    }));
  });
  afterAll(() => teardown());

  it('describes every /api/v1 route in /openapi.json, from the schemas the routes validate with', async () => {
    const doc = (await cloud.api('GET', '/openapi.json')).body;
    const documented = new Set(
      Object.entries(doc.paths as Record<string, Record<string, unknown>>).flatMap(([path, ops]) =>
        Object.keys(ops).map((m) => `${m.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ':$1')}`),
      ),
    );
    const served = cloud.cloud.app.routes
      .filter((r) => r.path.startsWith('/api/v1/') && r.method !== 'ALL')
      .map((r) => `${r.method} ${r.path}`);
    for (const route of new Set(served))
      expect(documented, `${route} is missing from /openapi.json`).toContain(route);
    const upload = doc.paths['/api/v1/hub/events'].post.requestBody.content['application/json'].schema;
    expect(upload).toEqual(
      z.toJSONSchema(UploadBatch, { io: 'input', unrepresentable: 'any', target: 'openapi-3.0' }),
    );
    const docs = await fetch(`${cloud.url}/docs`);
    expect(docs.status).toBe(200);
    expect(await docs.text()).toContain('/openapi.json');
  });

  it('counts requests, ingested rows, alerts and dashboards in /metrics', async () => {
    const admin = await cloud.staff('admin');
    const senior = await cloud.senior(admin.token);
    const hub = await cloud.pairHub(admin.token, senior);
    await cloud.upload(hub.apiKey, [
      reading(hub.hubId, 1),
      reading(hub.hubId, 2),
      pendantAlert(hub.hubId, 3, randomUUID()),
    ]);
    await cloud.upload(hub.apiKey, [reading(hub.hubId, 1)]);
    const ws = await cloud.ws(admin.token);
    await ws.subscribe('alerts');
    const res = await fetch(`${cloud.url}/metrics`, {
      headers: { authorization: `Bearer ${METRICS_TOKEN}` },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await res.text();
    expect(text).toContain('hearth_ingest_rows_total 3');
    expect(text).toMatch(
      /hearth_http_requests_total\{method="POST",route="\/api\/v1\/hub\/events",status="200"\} 2/,
    );
    expect(text).toMatch(
      /hearth_http_request_duration_seconds_count\{method="POST",route="\/api\/v1\/hub\/events"\} 2/,
    );
    expect(text).toContain('hearth_alerts{status="open"} 1');
    expect(text).toContain('hearth_ws_clients 1');
    expect(text).toMatch(/hearth_bus_lag_seconds_count \d+/);
    ws.close();
  });

  it('serves /metrics only to a scraper holding HEARTH_METRICS_TOKEN', async () => {
    const anonymous = await cloud.api('GET', '/metrics');
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect(JSON.stringify(anonymous.body)).not.toContain('hearth_alerts');
    const wrong = await cloud.api('GET', '/metrics', { token: 'scrape-token-0123456780' });
    expect(wrong.status).toBe(401);
    const off = await TestCloud.start();
    try {
      const res = await off.api('GET', '/metrics');
      expect(res.status).toBe(404);
      expect(res.body.error.message).toMatch(/HEARTH_METRICS_TOKEN/);
    } finally {
      await off.stop();
    }
  });

  it('tags each request and its log line with a request id, and never logs tokens', async () => {
    const mine = await cloud.api('GET', '/health', { headers: { 'x-request-id': 'trace-42' } });
    expect(mine.headers.get('x-request-id')).toBe('trace-42');
    const made = await cloud.api('GET', '/health');
    expect(made.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    const line = lines.find((l) => l.requestId === 'trace-42' && l.msg === 'request');
    expect(line).toMatchObject({ method: 'GET', path: '/health', status: 200 });
    expect(JSON.stringify(lines)).not.toMatch(/Bearer|eyJhbGci|hk_[0-9a-f]{12}_/);
  });

  it('reports ready while the database answers, and health without touching it', async () => {
    expect((await cloud.api('GET', '/ready')).body).toEqual({ status: 'ready' });
    expect((await cloud.api('GET', '/health')).body).toEqual({ status: 'ok' });
  });
});
