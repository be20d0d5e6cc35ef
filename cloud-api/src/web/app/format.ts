// Words and orderings shared by the views: ages, countdowns, repeats, escalation and board status.
import { intlLocale, t } from './i18n.js';
import type { Hub, LiveAlert, Model } from './model.js';

const SEVERITY_RANK = { critical: 3, warning: 2, info: 1 } as const;
const STATUS_RANK = { open: 3, acknowledged: 2, resolved: 1 } as const;

/** Open before acknowledged before resolved; then most severe; then newest. */
export function alertOrder(a: LiveAlert, b: LiveAlert): number {
  return (
    STATUS_RANK[b.status] - STATUS_RANK[a.status] ||
    SEVERITY_RANK[b.severity] - SEVERITY_RANK[a.severity] ||
    lastOccurred(b) - lastOccurred(a)
  );
}

/** `3 min ago`, `2 h ago`, `just now`. */
export function ago(iso: string | number, now = Date.now()): string {
  const ms = now - (typeof iso === 'number' ? iso : Date.parse(iso));
  const s = Math.round(ms / 1000);
  if (s < 10) return t('justNow');
  const rtf = new Intl.RelativeTimeFormat(intlLocale, { numeric: 'always', style: 'short' });
  if (s < 90) return rtf.format(-s, 'second');
  if (s < 90 * 60) return rtf.format(-Math.round(s / 60), 'minute');
  if (s < 36 * 3600) return rtf.format(-Math.round(s / 3600), 'hour');
  return rtf.format(-Math.round(s / 86400), 'day');
}

/** `16:21` today, else `28 Nov 16:21`. */
export function clock(iso: string): string {
  const d = new Date(iso);
  const today = new Date().toDateString() === d.toDateString();
  return d.toLocaleString(intlLocale, {
    ...(today ? {} : { day: 'numeric', month: 'short' }),
    hour: '2-digit',
    minute: '2-digit',
  });
}

/** `2:13` for a countdown in milliseconds. */
export function countdown(ms: number): string {
  const s = Math.max(0, Math.ceil(ms / 1000));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${sec}` : `${m}:${sec}`;
}

/** Repeats folded into the alert: one evidence entry per occurrence carries the hub's alert id. */
export function occurrences(a: LiveAlert): { count: number; last: string } {
  const ids = new Set<string>();
  let last = a.occurredAt;
  for (const e of a.evidence) {
    if (typeof e.hubAlertId === 'string') ids.add(e.hubAlertId);
    if (typeof e.ts === 'string' && e.ts > last) last = e.ts;
  }
  return { count: Math.max(1, ids.size), last };
}

function lastOccurred(a: LiveAlert): number {
  return Date.parse(occurrences(a).last);
}

/** "Pressed 4 times, last 16:21", or undefined for a single occurrence. */
export function repeatsText(a: LiveAlert): string | undefined {
  const { count, last } = occurrences(a);
  if (count < 2) return undefined;
  return t(a.source === 'button' ? 'pressedTimes' : 'repeated', { n: count, time: clock(last) });
}

/**
 * Where the escalation stands. The cloud moves an open alert one step each `escalationSeconds`
 * (primary carer → every carer → admins) counted from when it received it, so the countdown starts
 * when this tab heard of it live, else when the hub says it happened (never later than now: a hub's
 * clock may run ahead), or from the last escalation step pushed.
 */
export function escalationText(
  a: LiveAlert,
  escalationSeconds: number,
  now = Date.now(),
): string | undefined {
  if (a.status !== 'open') return undefined;
  const step = escalationSeconds * 1000;
  const start = Math.min(now, a.seenAt ?? Date.parse(a.occurredAt));
  const level = a.escalation?.level ?? Math.max(0, Math.min(2, Math.floor((now - start) / step)));
  const since = a.escalation ? Date.parse(a.escalation.at) : start + level * step;
  if (level >= 2) return t('escalatedAdmins');
  const left = countdown(since + step - now);
  return t(level === 0 ? 'escalateCarers' : 'escalateAdmins', { left });
}

/** Who has the alert, in words. */
export function ownerText(a: LiveAlert, model: Model): string {
  if (!a.acknowledgedBy) return t('nobodyHasIt');
  if (a.acknowledgedBy === model.me?.id) return t('youHaveIt');
  return t('hasIt', { name: model.staffNames.get(a.acknowledgedBy) ?? '…' });
}

export type BoardStatus =
  | { kind: 'alert'; severity: LiveAlert['severity'] }
  | { kind: 'hub-offline'; since: string | null }
  | { kind: 'no-hub' }
  | { kind: 'device' }
  | { kind: 'robot'; state: string }
  | { kind: 'ok' };

/** A hub not heard from for this long, with no word from its control channel, counts as offline. */
export const HUB_SILENT_MS = 10 * 60_000;

export function hubOffline(h: Hub, now = Date.now()): boolean {
  if (h.online !== undefined) return !h.online;
  return !h.lastSeenAt || now - Date.parse(h.lastSeenAt) > HUB_SILENT_MS;
}

/** One status per senior, the most urgent first: open alert, hub offline, device problem, robot, ok. */
export function boardStatus(model: Model, seniorId: string, now = Date.now()): BoardStatus {
  const open = model.openAlertsOf(seniorId);
  const people = open.filter((a) => a.source !== 'device').sort(alertOrder);
  if (people[0]) return { kind: 'alert', severity: people[0].severity };
  const hubs = model.hubsOf(seniorId);
  if (hubs.length === 0) return { kind: 'no-hub' };
  const offline = hubs.find((h) => hubOffline(h, now));
  if (offline) return { kind: 'hub-offline', since: offline.lastSeenAt };
  if (open.some((a) => a.source === 'device')) return { kind: 'device' };
  const robot = open.find((a) => a.source === 'robot');
  if (robot) return { kind: 'robot', state: robot.message };
  return { kind: 'ok' };
}

export function boardStatusText(s: BoardStatus): string {
  switch (s.kind) {
    case 'alert':
      return `${t('statusAlert')} · ${t(`severity_${s.severity}`)}`;
    case 'hub-offline':
      return t('statusHubOffline', { time: s.since ? clock(s.since) : '?' });
    case 'no-hub':
      return t('statusNoHub');
    case 'device':
      return t('statusDevice');
    case 'robot':
      return t('statusRobot', { state: s.state });
    case 'ok':
      return t('statusOk');
  }
}
