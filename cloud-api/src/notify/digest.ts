import type { Transporter } from 'nodemailer';
import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import type { Sql } from '../db/database.js';
import { sendMail } from './email-channel.js';

export interface DigestDeps {
  sql: Sql;
  log: Logger;
  clock: Clock;
  transport: Transporter;
  from: string;
  /** Hour of the day (UTC) from which the day's digest is due. */
  hourUtc: number;
  baseUrl: () => string;
}

/**
 * The admins' daily digest by email: the last 24 hours' alerts by status, the ones still open, and
 * deliveries that failed. Sent once per admin per day (a row per admin and day, whichever instance is
 * first); a send that fails gives the row back so the next tick tries again.
 */
export class AdminDigest {
  constructor(private readonly deps: DigestDeps) {}

  /** Sends the digests due now. @returns how many were sent. */
  async sendDue(): Promise<number> {
    const now = this.deps.clock.now();
    if (now.getUTCHours() < this.deps.hourUtc) return 0;
    const day = now.toISOString().slice(0, 10);
    const { sql } = this.deps;
    const admins = await sql<{ id: string; name: string; email: string }[]>`
      select s.id, s.name, coalesce(n.email_address, s.email) as email from staff s
      left join staff_notify_settings n on n.staff_id = s.id
      where s.role = 'admin' and s.disabled_at is null and coalesce(n.email, true)
        and not exists (select 1 from notify_digests d where d.staff_id = s.id and d.day = ${day}::date)`;
    if (admins.length === 0) return 0;
    const body = await this.compose(now);
    let sent = 0;
    for (const admin of admins) {
      const won = await sql`insert into notify_digests (staff_id, day) values (${admin.id}, ${day}::date)
        on conflict do nothing returning staff_id`;
      if (won.length === 0) continue;
      try {
        await sendMail(this.deps.transport, { from: this.deps.from, to: admin.email, ...body });
        sent++;
      } catch (err) {
        await sql`delete from notify_digests where staff_id = ${admin.id} and day = ${day}::date`;
        this.deps.log.warn(
          { staffId: admin.id, reason: (err as Error).message },
          'digest not sent; retrying later',
        );
      }
    }
    return sent;
  }

  private async compose(now: Date): Promise<{ subject: string; text: string; html: string }> {
    const { sql } = this.deps;
    const since = new Date(now.getTime() - 24 * 3600_000);
    const counts = await sql<{ status: string; n: number }[]>`
      select status, count(*)::int as n from alerts where occurred_at >= ${since} group by status order by status`;
    const open = await sql<{ message: string; name: string; occurred_at: Date; escalation_level: number }[]>`
      select a.message, s.name, a.occurred_at, a.escalation_level from alerts a join seniors s on s.id = a.senior_id
      where a.status = 'open' order by a.occurred_at limit 50`;
    const [failed] = await sql<{ n: number }[]>`
      select count(*)::int as n from notify_deliveries where status = 'failed' and created_at >= ${since}`;
    const total = counts.reduce((sum, c) => sum + c.n, 0);
    const lines = [
      `Alerts in the last 24 hours: ${total}${counts.length ? ` (${counts.map((c) => `${c.n} ${c.status}`).join(', ')})` : ''}`,
      `Deliveries that failed: ${failed?.n ?? 0}`,
      '',
      open.length ? 'Still open:' : 'Nothing is open.',
      ...open.map(
        (a) =>
          `- ${a.name}: ${a.message} (since ${a.occurred_at.toISOString().slice(0, 16).replace('T', ' ')} UTC, level ${a.escalation_level})`,
      ),
      '',
      `Dashboard: ${this.deps.baseUrl()}/`,
    ];
    const text = lines.join('\n');
    const html = `<pre style="font:14px system-ui">${text.replace(/[&<>]/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;' })[ch]!)}</pre>`;
    return { subject: `Hearth daily digest — ${now.toISOString().slice(0, 10)}`, text, html };
  }
}
