import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeClock } from '../src/clock.js';
import { cloudOn, pendantAlert, type TestCloud } from './harness.js';
import { freePort, startSmtp, unQuotedPrintable } from './notify-fixtures.js';
import { databaseTargets } from './targets.js';

const METRICS_TOKEN = 'notify-test-metrics-token';

type Smtp = Awaited<ReturnType<typeof startSmtp>>;

describe.each(databaseTargets())('email notifications on $name', (target) => {
  let cloud: TestCloud;
  let teardown: () => Promise<void>;
  let smtp: Smtp | undefined;
  let smtpPort: number;
  let carer: Awaited<ReturnType<TestCloud['staff']>>;
  let admin: Awaited<ReturnType<TestCloud['staff']>>;
  let hub: { hubId: string; apiKey: string };
  let seq = 0;
  // Retries and the digest run on this clock: the test moves it, nothing waits on real time.
  const clock = new FakeClock();
  const tick = async (ms: number) => {
    clock.advance(ms);
    await cloud.cloud.notify.notifier.settled();
  };
  const raise = async () => {
    const id = randomUUID();
    const res = await cloud.upload(hub.apiKey, [pendantAlert(hub.hubId, ++seq, id)]);
    expect(res.status).toBe(200);
    const [row] = await cloud.sql<{ id: string }[]>`
      select alert_id as id from alert_occurrences where hub_alert_id = ${id}`;
    return row!.id;
  };
  const deliveriesOf = async (alertId: string) =>
    (await cloud.api('GET', `alerts/${alertId}/deliveries`, { token: admin.token })).body.deliveries;

  beforeAll(async () => {
    smtpPort = await freePort();
    ({ cloud, teardown } = await cloudOn(target, {
      clock,
      env: {
        HEARTH_SMTP_HOST: '127.0.0.1',
        HEARTH_SMTP_PORT: String(smtpPort),
        HEARTH_SMTP_FROM: 'Hearth <alerts@care.test>',
        HEARTH_METRICS_TOKEN: METRICS_TOKEN,
        // The digest is due from this hour on, so the first tick after its own test sends it.
        HEARTH_DIGEST_HOUR_UTC: String(clock.now().getUTCHours()),
      },
    }));
    admin = await cloud.staff('admin', 'Ada Admin');
    carer = await cloud.staff('staff', 'Carla Carer');
    const senior = await cloud.senior(admin.token, 'Grace Senior');
    await cloud.assign(admin.token, senior, carer.id);
    hub = await cloud.pairHub(admin.token, senior);
  });
  afterAll(async () => {
    await teardown();
    await smtp?.close();
  });

  it('an SMTP outage delays the email, which is delivered once the server is back', async () => {
    const alertId = await raise();
    await cloud.cloud.notify.notifier.settled();
    const [first] = await deliveriesOf(alertId);
    expect(first).toMatchObject({ staffId: carer.id, channel: 'email', status: 'queued', attempts: 1 });
    expect(first.lastError).toMatch(/SMTP failed \(ECONNREFUSED|ESOCKET|ECONNECTION\)/);
    const metrics = await cloud.api('GET', '/metrics', { token: METRICS_TOKEN });
    expect(metrics.body).toMatch(/hearth_notify_send_failures\{channel="email",outcome="retry"\} 1/);

    smtp = await startSmtp(smtpPort);
    await tick(5_000);
    // The backoff (15 s) has not passed yet.
    expect(smtp.mails.filter((m) => m.to.includes(carer.email))).toHaveLength(0);
    await tick(15_000);
    const mail = await smtp.waitFor((m) => m.to.includes(carer.email));
    expect(mail.raw).toMatch(/Subject: =\?UTF-8\?Q\?Urgent=3A_Grace_Senior_=E2=80=94_pendant/);
    const [after] = await deliveriesOf(alertId);
    expect(after).toMatchObject({ status: 'sent', attempts: 2, lastError: null });
    await cloud.api('POST', `alerts/${alertId}/resolve`, { token: carer.token });
  });

  it("the email's acknowledge link asks, acknowledges once, and then says who already did", async () => {
    const alertId = await raise();
    const mail = await smtp!.waitFor((m) => unQuotedPrintable(m.raw).includes(alertId));
    const link = /https?:\/\/\S+\/api\/v1\/notify\/ack\?t=[A-Za-z0-9._%-]+/.exec(
      unQuotedPrintable(mail.raw),
    )?.[0];
    expect(link).toBeDefined();
    const token = decodeURIComponent(new URL(link!).searchParams.get('t')!);

    // Accepted by the SMTP server is all an email can prove: sent, not yet seen.
    const email = async () =>
      (await deliveriesOf(alertId)).find((d: { channel: string }) => d.channel === 'email');
    expect(await email()).toMatchObject({ status: 'sent', seenAt: null, acknowledged: false });

    // Following the link (as a mail scanner would) acknowledges nothing: it asks. Opening the page is
    // what "seen" means for an email.
    const page = await fetch(link!);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('Acknowledge this alert?');
    expect((await cloud.sql`select status from alerts where id = ${alertId}`)[0]!.status).toBe('open');
    expect(await email()).toMatchObject({ status: 'seen', acknowledged: false });
    expect((await email()).seenAt).toEqual(expect.any(String));

    const confirm = () =>
      fetch(new URL('/api/v1/notify/ack', cloud.url), {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ t: token }).toString(),
      });
    const first = await confirm();
    expect(first.status).toBe(200);
    expect(await first.text()).toContain('Acknowledged by Carla Carer');
    const [row] = await cloud.sql<{ status: string; acknowledged_by: string }[]>`
      select status, acknowledged_by from alerts where id = ${alertId}`;
    expect(row).toEqual({ status: 'acknowledged', acknowledged_by: carer.id });
    expect(await email()).toMatchObject({ status: 'seen', acknowledged: true });

    const second = await confirm();
    expect(second.status).toBe(409);
    expect(await second.text()).toContain('Already acknowledged by Carla Carer');
    const again = await fetch(link!);
    expect(await again.text()).toContain('Already acknowledged by Carla Carer');

    const audit = await cloud.sql<{ details: { via?: string } }[]>`
      select details from audit_log where action = 'alert.ack' and target_id = ${alertId}`;
    expect(audit.map((a) => a.details.via)).toEqual(['email']);
  });

  it('a tampered or unknown link is refused with a page, never a stack trace', async () => {
    const res = await fetch(new URL('/api/v1/notify/ack?t=abc.def', cloud.url));
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('this link is not valid');
  });

  it('admins get one daily digest', async () => {
    await tick(2_000);
    const isDigest = (m: { to: string[]; raw: string }) =>
      m.to.includes(admin.email) && m.raw.includes('Alerts in the last 24 hours');
    const digest = await smtp!.waitFor(isDigest);
    expect(unQuotedPrintable(digest.raw)).toMatch(/Alerts in the last 24 hours: [1-9]/);
    await tick(2_000);
    expect(smtp!.mails.filter(isDigest)).toHaveLength(1);
  });
});
