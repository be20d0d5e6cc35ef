import { useEffect, useRef, useState } from 'preact/hooks';
import type { Dashboard } from '../controller.js';
import { ago, clock, escalationText, ownerText, repeatsText } from '../format.js';
import { type MessageKey, t } from '../i18n.js';
import type { LiveAlert } from '../model.js';
import { DeliveryPanel } from './alert-deliveries.js';

const OUTCOMES = ['helped', 'false_alarm', 'ambulance_called', 'other'] as const;

interface HistoryEntry {
  at: string;
  action: 'raised' | 'escalated' | 'acknowledged' | 'resolved';
  staffName: string | null;
  level?: number;
  outcome?: string | null;
  note?: string | null;
}

/** One alert: who, what and why in words, how old, who has it, and the one-click actions. */
export function AlertCard(props: { dash: Dashboard; alert: LiveAlert; now: number; compact?: boolean }) {
  const { dash, alert: a, now, compact } = props;
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  const [history, setHistory] = useState<HistoryEntry[] | null>(null);
  const [deliveries, setDeliveries] = useState(false);
  const dialog = useRef<HTMLDialogElement>(null);
  const act = async (fn: () => Promise<unknown>) => {
    setBusy(true);
    setError('');
    try {
      await fn();
    } catch (err) {
      setError(t('error', { message: (err as Error).message }));
    } finally {
      setBusy(false);
    }
  };
  const loadHistory = () =>
    act(async () => {
      const out = await dash.session.api<{ history: HistoryEntry[] }>(`/alerts/${a.id}/history`);
      setHistory(out.history);
    });
  const resolve = (event: SubmitEvent) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget as HTMLFormElement);
    const outcome = form.get('outcome');
    if (!outcome) return setError(t('chooseOutcome'));
    dialog.current?.close();
    void act(async () => {
      await dash.session.api(`/alerts/${a.id}/resolve`, 'POST', {
        outcome,
        note: String(form.get('note') ?? ''),
      });
      if (history) await loadHistory();
    });
  };
  useEffect(() => dash.ensureOwnerName(a), [a.acknowledgedBy]);
  const escalation = escalationText(a, dash.escalationSeconds, now);
  const repeats = repeatsText(a);
  const titleId = `alert-${a.id}-title`;
  return (
    <li class={`alert ${a.severity} ${a.status}`} data-alert-id={a.id} aria-labelledby={titleId}>
      <div class="alert-head">
        <span class={`sev ${a.severity}`}>{t(`severity_${a.severity}` as MessageKey)}</span>
        <strong id={titleId}>
          {compact ? a.message : `${dash.model.seniorName(a.seniorId)} — ${a.message}`}
        </strong>
      </div>
      <p class="meta">
        <span class="kind">{a.kind}</span> · {t(`status_${a.status}` as MessageKey)} ·{' '}
        <time dateTime={a.occurredAt} title={new Date(a.occurredAt).toLocaleString()}>
          {ago(a.occurredAt, now)}
        </time>
        {repeats && <span class="repeats"> · {repeats}</span>}
      </p>
      {a.status !== 'resolved' && (
        <p class="meta">
          <span class="owner">{ownerText(a, dash.model)}</span>
          {escalation && <span class="escalation"> · {escalation}</span>}
        </p>
      )}
      {a.status === 'resolved' && a.resolutionNote && <p class="meta note">“{a.resolutionNote}”</p>}
      <div class="actions">
        {a.status === 'open' && (
          <button
            type="button"
            disabled={busy}
            onClick={() => act(() => dash.session.api(`/alerts/${a.id}/ack`, 'POST'))}
          >
            {t('acknowledge')}
          </button>
        )}
        {a.status !== 'resolved' && (
          <button type="button" class="secondary" disabled={busy} onClick={() => dialog.current?.showModal()}>
            {t('resolve')}
          </button>
        )}
        {!compact && (
          <button type="button" class="quiet" disabled={busy} onClick={() => void loadHistory()}>
            {t('history')}
          </button>
        )}
        {!compact && (
          <button
            type="button"
            class="quiet"
            aria-expanded={deliveries}
            aria-controls={`${titleId}-deliveries`}
            onClick={() => setDeliveries(!deliveries)}
          >
            {t('deliveries')}
          </button>
        )}
      </div>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {history && (
        <ol class="history">
          {history.map((h) => (
            <li key={`${h.action}-${h.at}`}>
              <time dateTime={h.at}>{clock(h.at)}</time>{' '}
              {t(`action_${h.action}` as MessageKey, { name: h.staffName ?? '?', level: h.level ?? '' })}
              {h.outcome && ` · ${t(`outcome_${h.outcome}` as MessageKey)}`}
              {h.note && ` · “${h.note}”`}
            </li>
          ))}
        </ol>
      )}
      {deliveries && (
        <section id={`${titleId}-deliveries`} class="delivery-panel">
          <h3 id={`${titleId}-deliveries-title`} class="sr-only">
            {t('deliveriesOf')}
          </h3>
          <DeliveryPanel dash={dash} alertId={a.id} labelId={`${titleId}-deliveries-title`} />
        </section>
      )}
      <dialog ref={dialog} class="resolve" aria-labelledby={`${titleId}-resolve`}>
        <form method="dialog" onSubmit={resolve}>
          <h2 id={`${titleId}-resolve`}>{t('resolveTitle')}</h2>
          <fieldset>
            <legend>{t('outcome')}</legend>
            {OUTCOMES.map((o) => (
              <label key={o} class="choice">
                <input type="radio" name="outcome" value={o} required /> {t(`outcome_${o}`)}
              </label>
            ))}
          </fieldset>
          <label>
            {t('note')}
            <textarea name="note" rows={3} maxLength={2000} />
          </label>
          <div class="actions">
            <button type="button" class="secondary" onClick={() => dialog.current?.close()}>
              {t('cancel')}
            </button>
            <button type="submit">{t('resolve')}</button>
          </div>
        </form>
      </dialog>
    </li>
  );
}
