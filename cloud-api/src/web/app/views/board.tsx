import { useEffect } from 'preact/hooks';
import type { Dashboard } from '../controller.js';
import { ago, alertOrder, boardStatus, boardStatusText } from '../format.js';
import { t } from '../i18n.js';
import { AlertCard } from './alert-card.js';

/** Today's hourly activity as a small line; the numbers are in its label for screen readers. */
export function Sparkline({ hours, label }: { hours: number[]; label: string }) {
  const max = Math.max(1, ...hours);
  const now = new Date().getHours();
  const points = hours
    .slice(0, now + 1)
    .map((v, i) => `${(i * 100) / 23},${28 - (v / max) * 26}`)
    .join(' ');
  return (
    <svg class="spark" viewBox="0 0 100 30" preserveAspectRatio="none" role="img" aria-label={label}>
      <polyline
        points={points}
        fill="none"
        stroke="currentColor"
        stroke-width="1.5"
        vector-effect="non-scaling-stroke"
      />
    </svg>
  );
}

/** Every senior the carer looks after, the most urgent first, each with one status. */
export function Board({ dash, now }: { dash: Dashboard; now: number }) {
  const m = dash.model;
  useEffect(() => {
    if (m.seniors.size > 0 && m.todayActivity.size === 0) void dash.loadBoardActivity();
  }, [m.seniors.size]);
  const rank = { alert: 0, 'hub-offline': 1, device: 2, robot: 3, 'no-hub': 4, ok: 5 } as const;
  const seniors = [...m.seniors.values()]
    .map((s) => ({ s, status: boardStatus(m, s.id, now) }))
    .sort((a, b) => rank[a.status.kind] - rank[b.status.kind] || a.s.name.localeCompare(b.s.name));
  return (
    <section aria-labelledby="board-title">
      <h1 id="board-title">{t('board')}</h1>
      {seniors.length === 0 && <p class="empty">{t('noSeniors')}</p>}
      <ul id="board" class="board">
        {seniors.map(({ s, status }) => {
          const last = m.lastActivity.get(s.id);
          const open = m.openAlertsOf(s.id).sort(alertOrder);
          const hours = m.todayActivity.get(s.id);
          return (
            <li key={s.id} class={`tile status-${status.kind}`} data-senior-id={s.id}>
              <div class="tile-head">
                <h2>
                  <a href={`#/seniors/${s.id}`}>{s.name}</a>
                </h2>
                <span class={`badge status-${status.kind}`} data-status={status.kind}>
                  {boardStatusText(status)}
                </span>
              </div>
              <p class="meta">
                {last
                  ? `${t('lastActivity', { ago: ago(last.at, now) })}${last.room ? ` · ${t('inRoom', { room: last.room })}` : ''}`
                  : t('noActivity')}
              </p>
              {hours && <Sparkline hours={hours} label={`${t('todayActivity')}: ${hours.join(', ')}`} />}
              {open.length > 0 && (
                <ul class="tile-alerts">
                  {open.map((a) => (
                    <AlertCard key={a.id} dash={dash} alert={a} now={now} compact />
                  ))}
                </ul>
              )}
            </li>
          );
        })}
      </ul>
    </section>
  );
}
