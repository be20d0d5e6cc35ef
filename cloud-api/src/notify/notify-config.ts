import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import webpush from 'web-push';
import { z } from 'zod';

/** The notification settings read from the same environment as the rest of the cloud's settings. */
export const NotifyEnvSchema = z.object({
  /** Base URL people reach the dashboard at, for links in emails (absent: this instance's own URL). */
  HEARTH_PUBLIC_URL: z.url({ protocol: /^https?$/ }).optional(),
  HEARTH_SMTP_HOST: z.string().min(1).optional(),
  HEARTH_SMTP_PORT: z.coerce.number().int().min(1).max(65535).default(587),
  /** TLS from the first byte (port 465); otherwise STARTTLS when the server offers it. */
  HEARTH_SMTP_SECURE: z.enum(['0', '1', 'true', 'false']).default('0'),
  HEARTH_SMTP_USER: z.string().min(1).optional(),
  HEARTH_SMTP_PASSWORD: z.string().min(1).optional(),
  HEARTH_SMTP_FROM: z.string().min(3).default('Hearth <hearth@localhost>'),
  HEARTH_VAPID_PUBLIC_KEY: z
    .string()
    .regex(/^[A-Za-z0-9_-]{87}$/, 'expected an uncompressed P-256 public key, base64url (87 characters)')
    .optional(),
  HEARTH_VAPID_PRIVATE_KEY: z
    .string()
    .regex(/^[A-Za-z0-9_-]{43}$/, 'expected a P-256 private key, base64url (43 characters)')
    .optional(),
  /** Who the push services may contact about our pushes: a mailto: or https: URL. */
  HEARTH_VAPID_SUBJECT: z
    .string()
    .regex(/^(mailto:|https:\/\/)/, 'expected a mailto: or https:// URL')
    .default('mailto:hearth@localhost'),
  /** Signs the generic JSON webhook (HMAC-SHA256). */
  HEARTH_WEBHOOK_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  /** Minutes without an upload or a control socket after which a hub is itself an alert. */
  HEARTH_HUB_SILENCE_MINUTES: z.coerce.number().int().min(1).max(10_080).default(10),
  /** Minutes an acknowledge link or notification action stays valid. */
  HEARTH_ACTION_TOKEN_MINUTES: z.coerce.number().int().min(1).max(10_080).default(60),
  /** Attempts per delivery before it is marked failed. */
  HEARTH_NOTIFY_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(50).default(8),
  /** Hour of the day (UTC) the admins' digest is sent. */
  HEARTH_DIGEST_HOUR_UTC: z.coerce.number().int().min(0).max(23).default(7),
});

export interface SmtpSettings {
  host: string;
  port: number;
  secure: boolean;
  user: string | undefined;
  /** Never logged. */
  password: string | undefined;
  from: string;
}

export interface VapidKeys {
  publicKey: string;
  /** Never logged. */
  privateKey: string;
  subject: string;
}

/** Validated notification settings. */
export interface NotifyConfig {
  publicUrl: string | undefined;
  /** Absent: email is not configured and email deliveries fail with that reason. */
  smtp: SmtpSettings | undefined;
  /** Absent (production without keys): Web Push is off. */
  vapid: VapidKeys | undefined;
  /** Never logged. */
  webhookSecret: string | undefined;
  hubSilenceMinutes: number;
  actionTokenMinutes: number;
  maxAttempts: number;
  digestHourUtc: number;
}

/**
 * Reads the notification settings. In embedded mode (no DATABASE_URL) missing VAPID keys are generated
 * once and kept in the data directory (mode 0600); in production they must come from the settings, or
 * Web Push stays off. Returns the problems, each naming the setting, for the caller's ConfigError.
 * Secret values never appear in a problem.
 */
export function loadNotifyConfig(
  env: NodeJS.ProcessEnv,
  where: { dataDir: string; embedded: boolean },
): { config: NotifyConfig } | { problems: string[] } {
  const result = NotifyEnvSchema.safeParse(env);
  if (!result.success) {
    return {
      problems: result.error.issues.map((issue) => {
        const key = String(issue.path[0] ?? '?');
        const secret = /SECRET|PASSWORD|PRIVATE/.test(key);
        return `${key}=${secret ? '(hidden)' : JSON.stringify(env[key])}: ${issue.message}`;
      }),
    };
  }
  const e = result.data;
  const problems: string[] = [];
  if (Boolean(e.HEARTH_VAPID_PUBLIC_KEY) !== Boolean(e.HEARTH_VAPID_PRIVATE_KEY)) {
    problems.push('HEARTH_VAPID_PUBLIC_KEY and HEARTH_VAPID_PRIVATE_KEY must be set together');
  }
  if (Boolean(e.HEARTH_SMTP_USER) !== Boolean(e.HEARTH_SMTP_PASSWORD)) {
    problems.push('HEARTH_SMTP_USER and HEARTH_SMTP_PASSWORD must be set together');
  }
  if (problems.length > 0) return { problems };
  let vapid: VapidKeys | undefined;
  if (e.HEARTH_VAPID_PUBLIC_KEY && e.HEARTH_VAPID_PRIVATE_KEY) {
    vapid = {
      publicKey: e.HEARTH_VAPID_PUBLIC_KEY,
      privateKey: e.HEARTH_VAPID_PRIVATE_KEY,
      subject: e.HEARTH_VAPID_SUBJECT,
    };
  } else if (where.embedded) {
    vapid = { ...loadOrCreateVapidKeys(where.dataDir), subject: e.HEARTH_VAPID_SUBJECT };
  }
  return {
    config: {
      publicUrl: e.HEARTH_PUBLIC_URL?.replace(/\/$/, ''),
      smtp: e.HEARTH_SMTP_HOST
        ? {
            host: e.HEARTH_SMTP_HOST,
            port: e.HEARTH_SMTP_PORT,
            secure: e.HEARTH_SMTP_SECURE === '1' || e.HEARTH_SMTP_SECURE === 'true',
            user: e.HEARTH_SMTP_USER,
            password: e.HEARTH_SMTP_PASSWORD,
            from: e.HEARTH_SMTP_FROM,
          }
        : undefined,
      vapid,
      webhookSecret: e.HEARTH_WEBHOOK_SECRET,
      hubSilenceMinutes: e.HEARTH_HUB_SILENCE_MINUTES,
      actionTokenMinutes: e.HEARTH_ACTION_TOKEN_MINUTES,
      maxAttempts: e.HEARTH_NOTIFY_MAX_ATTEMPTS,
      digestHourUtc: e.HEARTH_DIGEST_HOUR_UTC,
    },
  };
}

function loadOrCreateVapidKeys(dataDir: string): { publicKey: string; privateKey: string } {
  const file = join(dataDir, 'vapid.json');
  if (!existsSync(file)) {
    mkdirSync(dataDir, { recursive: true });
    const keys = webpush.generateVAPIDKeys();
    // 'wx' fails if another process created it first; then theirs is read below so both agree.
    try {
      writeFileSync(file, `${JSON.stringify(keys)}\n`, { mode: 0o600, flag: 'wx' });
      chmodSync(file, 0o600);
    } catch {}
  }
  const keys = JSON.parse(readFileSync(file, 'utf8')) as { publicKey: string; privateKey: string };
  return { publicKey: keys.publicKey, privateKey: keys.privateKey };
}
