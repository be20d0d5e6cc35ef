import type { Dashboard } from '../controller.js';
import { alertOrder } from '../format.js';
import { t } from '../i18n.js';
import { AlertCard } from './alert-card.js';

/** Recently resolved alerts stay in view this long, so the carer sees their own action land. */
const RESOLVED_VISIBLE_MS = 10 * 60_000;

/** Every alert the carer may see: open first, then most severe, then newest. */
export function Inbox({ dash, now }: { dash: Dashboard; now: number }) {
  const list = [...dash.model.alerts.values()]
    .filter((a) => a.status !== 'resolved' || now - Date.parse(a.resolvedAt ?? '') < RESOLVED_VISIBLE_MS)
    .sort(alertOrder);
  const open = list.filter((a) => a.status !== 'resolved').length;
  return (
    <section aria-labelledby="inbox-title">
      <h1 id="inbox-title">{t('inbox')}</h1>
      <p class="meta">
        {open === 0 ? t('noOpenAlerts') : open === 1 ? t('openAlert') : t('openAlerts', { n: open })}
      </p>
      <ul id="alerts" class="alerts" aria-live="polite">
        {list.map((a) => (
          <AlertCard key={a.id} dash={dash} alert={a} now={now} />
        ))}
      </ul>
    </section>
  );
}
