import nodemailer, { type Transporter } from 'nodemailer';
import {
  DeliveryError,
  type DeliveryJob,
  type NotifyChannel,
  type SendOutcome,
  summary,
  title,
} from './channel.js';
import { escapeHtml } from './html.js';
import type { SmtpSettings } from './notify-config.js';

/** Builds the SMTP transport from the settings; the password stays inside nodemailer. */
export function smtpTransport(smtp: SmtpSettings): Transporter {
  return nodemailer.createTransport({
    host: smtp.host,
    port: smtp.port,
    secure: smtp.secure,
    ...(smtp.user && { auth: { user: smtp.user, pass: smtp.password } }),
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 20_000,
  });
}

/** Sends one message; an unreachable or refusing server becomes a DeliveryError (retried). */
export async function sendMail(
  transport: Transporter,
  message: { from: string; to: string; subject: string; text: string; html: string },
): Promise<void> {
  try {
    const info = await transport.sendMail(message);
    if ((info.rejected?.length ?? 0) > 0) throw new DeliveryError(`the SMTP server refused ${message.to}`);
  } catch (err) {
    if (err instanceof DeliveryError) throw err;
    const e = err as { code?: string; responseCode?: number; message: string };
    // Never the message as a whole: a server's answer to AUTH may echo what was sent.
    throw new DeliveryError(
      `SMTP ${e.responseCode ? `answered ${e.responseCode}` : `failed (${e.code ?? 'error'})`}`,
      e.responseCode !== undefined && e.responseCode >= 500 && e.responseCode !== 530,
    );
  }
}

/** Alert and escalation emails with an acknowledge link. */
export class EmailChannel implements NotifyChannel {
  readonly name = 'email' as const;

  constructor(private readonly deps: { transport: Transporter; from: string }) {}

  async send(job: DeliveryJob): Promise<SendOutcome> {
    const heading = title(job);
    const text = [
      summary(job),
      '',
      `Acknowledge (you take it in hand): ${job.links.ackPage}`,
      `Open the dashboard: ${job.links.open}`,
      '',
      'The acknowledge link works once and expires.',
    ].join('\n');
    const html = `<p>${escapeHtml(summary(job))}</p>
<p><a href="${escapeHtml(job.links.ackPage)}">Acknowledge</a> — you take it in hand.</p>
<p><a href="${escapeHtml(job.links.open)}">Open the dashboard</a></p>
<p style="color:#666">The acknowledge link works once and expires.</p>`;
    await sendMail(this.deps.transport, {
      from: this.deps.from,
      to: job.recipient.email,
      subject: heading,
      text,
      html,
    });
    // An SMTP server's 250 says nothing of the inbox; "seen" comes when the acknowledge page is opened.
    return 'sent';
  }
}
