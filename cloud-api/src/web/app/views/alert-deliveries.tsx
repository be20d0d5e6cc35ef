import { useEffect, useState } from 'preact/hooks';
import type { Dashboard } from '../controller.js';
import { clock } from '../format.js';
import { type MessageKey, t } from '../i18n.js';

/** One ring of one person on one channel (`GET /alerts/:id/deliveries`). */
interface Delivery {
  id: string;
  staffName: string;
  channel: 'push' | 'email' | 'webhook';
  level: number;
  status: 'queued' | 'sent' | 'delivered' | 'seen' | 'failed' | 'cancelled';
  attempts: number;
  lastError: string | null;
  sentAt: string | null;
  deliveredAt: string | null;
  seenAt: string | null;
  acknowledged: boolean;
}

/** When the delivery reached the hop it is at. */
function hopTime(d: Delivery): string | null {
  return d.seenAt ?? d.deliveredAt ?? d.sentAt;
}

/**
 * Who was rung for an alert, on which channel, and how far each ring got (sent, delivered, seen) and
 * whether that person acknowledged: read again whenever the cloud says the deliveries or the alert
 * changed, so it stays live while open.
 */
export function DeliveryPanel({
  dash,
  alertId,
  labelId,
}: {
  dash: Dashboard;
  alertId: string;
  labelId: string;
}) {
  const [rows, setRows] = useState<Delivery[] | null>(null);
  const [error, setError] = useState('');
  useEffect(() => {
    let closed = false;
    let loading = false;
    let again = false;
    const load = async () => {
      if (loading) {
        again = true;
        return;
      }
      loading = true;
      try {
        do {
          again = false;
          const out = await dash.session.api<{ deliveries: Delivery[] }>(`/alerts/${alertId}/deliveries`);
          if (!closed) setRows(out.deliveries);
        } while (again && !closed);
        if (!closed) setError('');
      } catch (err) {
        if (!closed) setError(t('error', { message: (err as Error).message }));
      } finally {
        loading = false;
      }
    };
    void load();
    const stop = dash.watchDeliveries(alertId, () => void load());
    return () => {
      closed = true;
      stop();
    };
  }, [alertId]);
  if (error)
    return (
      <p class="error" role="alert">
        {error}
      </p>
    );
  if (!rows) return <p class="meta">{t('loading')}</p>;
  if (rows.length === 0) return <p class="meta deliveries-empty">{t('noDeliveries')}</p>;
  return (
    <table class="list deliveries" aria-labelledby={labelId}>
      <tbody>
        {rows.map((d) => {
          const at = hopTime(d);
          return (
            <tr key={d.id} data-channel={d.channel} data-status={d.status} data-staff={d.staffName}>
              <td>{t('levelN', { level: d.level })}</td>
              <td>{d.staffName}</td>
              <td>{t(`channel_${d.channel}` as MessageKey)}</td>
              <td class="hop">
                {t(`delivery_${d.status}` as MessageKey)}
                {at && (
                  <>
                    {' '}
                    <time dateTime={at}>{clock(at)}</time>
                  </>
                )}
                {d.acknowledged && <strong class="acked"> · {t('deliveryAcknowledged')}</strong>}
                {d.lastError && (d.status === 'queued' || d.status === 'failed') && (
                  <span class="meta"> · {d.lastError}</span>
                )}
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
