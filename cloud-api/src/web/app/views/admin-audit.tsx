import { useState } from 'preact/hooks';
import type { Dashboard } from '../controller.js';
import { clock } from '../format.js';
import { type MessageKey, t } from '../i18n.js';
import { useLoad } from './use-load.js';

interface AuditRecord {
  id: number;
  at: string;
  actorType: string;
  actorId: string | null;
  actorName: string | null;
  action: string;
  targetType: string | null;
  targetId: string | null;
  outcome: string;
  ip: string | null;
}

/** The audit log, filtered by who, what and when. */
export function AuditPage({ dash }: { dash: Dashboard }) {
  const [query, setQuery] = useState('');
  const [list, error] = useLoad(
    () => dash.session.api<{ entries: AuditRecord[] }>(`/audit?${query}`),
    [query],
  );
  const filter = (e: SubmitEvent) => {
    e.preventDefault();
    const f = new FormData(e.currentTarget as HTMLFormElement);
    const q = new URLSearchParams();
    for (const key of ['actor', 'action'] as const) {
      const v = String(f.get(key) ?? '').trim();
      if (v) q.set(key, v);
    }
    for (const key of ['from', 'to'] as const) {
      const v = String(f.get(key) ?? '');
      if (v) q.set(key, new Date(v).toISOString());
    }
    setQuery(q.toString());
  };
  const staff = [...dash.model.staffNames].sort((a, b) => a[1].localeCompare(b[1]));
  return (
    <>
      <form class="filters" onSubmit={filter}>
        <label>
          {t('actor')}
          <select name="actor">
            <option value="">—</option>
            {staff.map(([id, name]) => (
              <option key={id} value={id}>
                {name}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t('action')} <input name="action" placeholder="alert." />
        </label>
        <label>
          {t('from')} <input name="from" type="datetime-local" />
        </label>
        <label>
          {t('to')} <input name="to" type="datetime-local" />
        </label>
        <button type="submit">{t('filter')}</button>
      </form>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      <div class="scroll">
        <table class="list" id="audit">
          <thead>
            <tr>
              <th scope="col">{t('time')}</th>
              <th scope="col">{t('actor')}</th>
              <th scope="col">{t('action')}</th>
              <th scope="col">{t('target')}</th>
              <th scope="col">{t('outcome')}</th>
              <th scope="col">IP</th>
            </tr>
          </thead>
          <tbody>
            {(list?.entries ?? []).map((e) => (
              <tr key={e.id}>
                <td>{clock(e.at)}</td>
                <td>{e.actorName ?? `${e.actorType}${e.actorId ? ` ${e.actorId.slice(0, 8)}` : ''}`}</td>
                <td>{e.action}</td>
                <td>{e.targetType ? `${e.targetType} ${e.targetId?.slice(0, 8) ?? ''}` : ''}</td>
                <td>{e.outcome}</td>
                <td>{e.ip ?? ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}

interface OutcomeRate {
  kind: string;
  resolved: number;
  outcomes: Record<string, number>;
  actionableRate: number | null;
}

/** How each rule's alerts turned out: the actionable rate is the measure of alert fatigue. */
export function OutcomesPage({ dash }: { dash: Dashboard }) {
  const [list, error] = useLoad(
    () => dash.session.api<{ rates: OutcomeRate[] }>('/alert-outcomes?days=30'),
    [],
  );
  const outcomes = ['helped', 'ambulance_called', 'false_alarm', 'other'] as const;
  return (
    <>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      <table class="list" id="outcomes">
        <thead>
          <tr>
            <th scope="col">{t('kind')}</th>
            <th scope="col">{t('resolvedCount')}</th>
            {outcomes.map((o) => (
              <th key={o} scope="col">
                {t(`outcome_${o}` as MessageKey)}
              </th>
            ))}
            <th scope="col">{t('actionableRate')}</th>
          </tr>
        </thead>
        <tbody>
          {(list?.rates ?? []).map((r) => (
            <tr key={r.kind} data-kind={r.kind}>
              <td>{r.kind}</td>
              <td>{r.resolved}</td>
              {outcomes.map((o) => (
                <td key={o}>{r.outcomes[o] ?? 0}</td>
              ))}
              <td class="rate">
                {r.actionableRate === null ? '—' : `${Math.round(r.actionableRate * 100)}%`}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}
