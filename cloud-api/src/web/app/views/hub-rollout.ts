import type { HubRollout } from '@hearth/shared';
import type { Dashboard } from '../controller.js';
import { type MessageKey, t } from '../i18n.js';
import { useLoad } from './use-load.js';

/** The rollout column of the hubs list (admins): loads where each hub is, then follows the live feed. */
export function useHubRollouts(dash: Dashboard): (hubId: string) => string | undefined {
  const admin = dash.model.me?.role === 'admin';
  const [loaded] = useLoad(
    () => (admin ? dash.session.api<{ hubs: HubRollout[] }>('/releases/hubs') : Promise.resolve(null)),
    [admin],
  );
  if (!admin) return () => undefined;
  const byHub = new Map((loaded?.hubs ?? []).map((r) => [r.hubId, r]));
  return (hubId) => {
    const r = dash.model.rollouts.get(hubId) ?? byHub.get(hubId);
    return r ? t('rolloutOf', { version: r.version, state: t(`state_${r.state}` as MessageKey) }) : '—';
  };
}
