import { useState } from 'preact/hooks';
import type { Dashboard } from '../controller.js';
import { ago, countdown, hubOffline } from '../format.js';
import { t } from '../i18n.js';
import { attempt, SeniorPicker } from './admin.js';
import { useHubRollouts } from './hub-rollout.js';
import { useLoad } from './use-load.js';

interface HubRecord {
  id: string;
  seniorId: string;
  deviceId: string;
  status: string;
  lastSeenAt: string | null;
  online: boolean;
  agentVersion: string | null;
  createdAt: string;
}

/** A pairing code for the technician to type on the hub, big, with its expiry counting down. */
export function PairingPage({ dash, now }: { dash: Dashboard; now: number }) {
  const [senior, setSenior] = useState('');
  const [code, setCode] = useState<{ code: string; expiresAt: string; seniorId: string } | null>(null);
  const [error, setError] = useState('');
  const create = () =>
    attempt(setError, async () => {
      const made = await dash.session.api<{ code: string; expiresAt: string }>(
        `/seniors/${senior}/pairing-codes`,
        'POST',
      );
      setCode({ ...made, seniorId: senior });
    });
  const left = code ? Date.parse(code.expiresAt) - now : 0;
  return (
    <>
      <SeniorPicker dash={dash} value={senior} onChange={setSenior} />
      <button type="button" id="create-pairing-code" disabled={!senior} onClick={() => void create()}>
        {t('createPairingCode')}
      </button>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {code && (
        <div class="pairing" aria-live="polite">
          <p>{t('pairingCodeFor', { name: dash.model.seniorName(code.seniorId) })}</p>
          <output id="pairing-code" class={`code ${left <= 0 ? 'expired' : ''}`}>
            {code.code}
          </output>
          <p class="meta" id="pairing-expiry">
            {left > 0 ? t('expiresIn', { left: countdown(left) }) : t('expired')}
          </p>
          <p class="meta">
            <code>
              hearth pair --cloud {location.origin} --code {code.code}
            </code>
          </p>
        </div>
      )}
    </>
  );
}

/** Every hub: whether it is online, when it was last seen, its agent version; revoke and rotate its key. */
export function HubsPage({ dash, now }: { dash: Dashboard; now: number }) {
  const [list, loadError, reload] = useLoad(() => dash.session.api<{ hubs: HubRecord[] }>('/hubs'), []);
  const [error, setError] = useState('');
  const [key, setKey] = useState('');
  const rolloutOf = useHubRollouts(dash);
  const revoke = (id: string) => {
    if (!confirm(t('confirmRevoke'))) return;
    void attempt(setError, () => dash.session.api(`/hubs/${id}`, 'DELETE')).then(reload);
  };
  const rotate = (id: string) =>
    void attempt(setError, async () => {
      const out = await dash.session.api<{ apiKey: string }>(`/hubs/${id}/rotate-key`, 'POST');
      setKey(out.apiKey);
    });
  return (
    <>
      {key && (
        <p class="notice" role="status">
          {t('newKey', { key })}
        </p>
      )}
      {(loadError || error) && (
        <p class="error" role="alert">
          {loadError || error}
        </p>
      )}
      <table class="list" id="hubs">
        <thead>
          <tr>
            <th scope="col">{t('seniors')}</th>
            <th scope="col">{t('device')}</th>
            <th scope="col">{t('online')}</th>
            <th scope="col">{t('lastSeen', { ago: '' })}</th>
            <th scope="col">{t('agentVersion')}</th>
            {dash.model.me?.role === 'admin' && <th scope="col">{t('rollout')}</th>}
            <th scope="col">
              <span class="sr-only">{t('action')}</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {(list?.hubs ?? []).map((h) => {
            const live = dash.model.hubs.get(h.id);
            const state =
              h.status === 'revoked' ? t('revoked') : hubOffline(live ?? h, now) ? t('offline') : t('online');
            const seen = live?.lastSeenAt ?? h.lastSeenAt;
            const version = live?.agentVersion ?? h.agentVersion;
            return (
              <tr key={h.id}>
                <td>{dash.model.seniorName(h.seniorId)}</td>
                <td>{h.deviceId}</td>
                <td>{state}</td>
                <td>{seen ? ago(seen, now) : '—'}</td>
                <td class="agent-version">{version ?? '—'}</td>
                {dash.model.me?.role === 'admin' && <td class="rollout">{rolloutOf(h.id)}</td>}
                <td>
                  {h.status !== 'revoked' && (
                    <>
                      <button type="button" class="secondary" onClick={() => rotate(h.id)}>
                        {t('rotateKey')}
                      </button>{' '}
                      <button type="button" class="danger" onClick={() => revoke(h.id)}>
                        {t('revoke')}
                      </button>
                    </>
                  )}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </>
  );
}
