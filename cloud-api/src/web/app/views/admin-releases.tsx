import type { ReleaseSummary } from '@hearth/shared';
import { useState } from 'preact/hooks';
import type { Dashboard } from '../controller.js';
import { clock } from '../format.js';
import { type MessageKey, t } from '../i18n.js';
import { attempt } from './admin.js';
import { useLoad } from './use-load.js';

const size = (bytes: number) =>
  bytes < 1024 * 1024 ? `${Math.ceil(bytes / 1024)} KiB` : `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;

/** Uploaded hub releases, how far each is rolled out and where its hubs are; start or widen a rollout. */
export function ReleasesPage({ dash }: { dash: Dashboard }) {
  const [error, setError] = useState('');
  const [list, loadError, reload] = useLoad(
    () => dash.session.api<{ releases: ReleaseSummary[] }>('/releases'),
    [],
  );
  const widen = (version: string) => async (e: SubmitEvent) => {
    e.preventDefault();
    const element = e.currentTarget as HTMLFormElement;
    const form = new FormData(element);
    const percent = String(form.get('percent') ?? '').trim();
    const hubIds = String(form.get('hubIds') ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    const body = {
      ...(percent !== '' && { percent: Number(percent) }),
      ...(hubIds.length > 0 && { hubIds }),
    };
    if (
      await attempt(setError, () =>
        dash.session.api(`/releases/${encodeURIComponent(version)}/rollout`, 'POST', body),
      )
    ) {
      (element.elements.namedItem('hubIds') as HTMLInputElement).value = '';
      reload();
    }
  };
  return (
    <>
      {(loadError || error) && (
        <p class="error" role="alert">
          {loadError || error}
        </p>
      )}
      {list && list.releases.length === 0 && <p>{t('noReleases')}</p>}
      {list && list.releases.length > 0 && (
        <table class="list" id="releases">
          <thead>
            <tr>
              <th scope="col">{t('releaseVersion')}</th>
              <th scope="col">{t('arch')}</th>
              <th scope="col">{t('size')}</th>
              <th scope="col">{t('created')}</th>
              <th scope="col">{t('rolloutReach')}</th>
              <th scope="col">{t('hubs')}</th>
              <th scope="col">{t('rollout')}</th>
            </tr>
          </thead>
          <tbody>
            {list.releases.map((r) => (
              <tr key={r.version} data-version={r.version}>
                <td>{r.version}</td>
                <td>{r.arch}</td>
                <td>{size(r.size)}</td>
                <td>{clock(r.createdAt)}</td>
                <td class="reach">
                  {r.rollout
                    ? t('rolloutReachOf', { percent: r.rollout.percent, named: r.rollout.hubIds.length })
                    : t('notRolledOut')}
                </td>
                <td class="states">
                  {Object.entries(r.hubs)
                    .filter(([, n]) => n > 0)
                    .map(([state, n]) => `${t(`state_${state}` as MessageKey)} ${n}`)
                    .join(', ') || '—'}
                </td>
                <td>
                  <form
                    class="rollout"
                    onSubmit={widen(r.version)}
                    aria-label={`${t('rollout')} ${r.version}`}
                  >
                    <label>
                      {t('rolloutPercent')}
                      <input
                        name="percent"
                        type="number"
                        min={0}
                        max={100}
                        step={1}
                        defaultValue={String(r.rollout?.percent ?? '')}
                      />
                    </label>
                    <label>
                      {t('rolloutHubIds')}
                      <input name="hubIds" type="text" autoComplete="off" />
                    </label>
                    <button type="submit">{t('widenRollout')}</button>
                  </form>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}
