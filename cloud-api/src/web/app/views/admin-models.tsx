import { useState } from 'preact/hooks';
import type { Dashboard } from '../controller.js';
import { clock } from '../format.js';
import { t } from '../i18n.js';
import { attempt, SeniorPicker } from './admin.js';
import { useLoad } from './use-load.js';

interface ModelRecord {
  version: number;
  source: string;
  threshold: number | null;
  metrics: Record<string, unknown>;
  createdAt: string;
  active: boolean;
  hubStatus: string | null;
  hubStatusReason: string | null;
}

/** A senior's model versions: which is active, their scores; activate one or roll back. */
export function ModelsPage({ dash }: { dash: Dashboard }) {
  const [senior, setSenior] = useState('');
  const [error, setError] = useState('');
  const [list, loadError, reload] = useLoad(
    () =>
      senior
        ? dash.session.api<{ models: ModelRecord[]; activeVersion: number | null }>(
            `/seniors/${senior}/models`,
          )
        : Promise.resolve(null),
    [senior],
  );
  const run = (path: string) => void attempt(setError, () => dash.session.api(path, 'POST')).then(reload);
  return (
    <>
      <SeniorPicker dash={dash} value={senior} onChange={setSenior} />
      {senior && (
        <p>
          <button type="button" id="model-rollback" onClick={() => run(`/seniors/${senior}/models/rollback`)}>
            {t('rollback')}
          </button>
        </p>
      )}
      {(loadError || error) && (
        <p class="error" role="alert">
          {loadError || error}
        </p>
      )}
      {list && (
        <table class="list" id="models">
          <thead>
            <tr>
              <th scope="col">{t('modelVersion', { v: '' })}</th>
              <th scope="col">{t('source')}</th>
              <th scope="col">{t('threshold')}</th>
              <th scope="col">{t('score')}</th>
              <th scope="col">{t('created')}</th>
              <th scope="col">{t('hubStatus')}</th>
              <th scope="col">{t('active')}</th>
            </tr>
          </thead>
          <tbody>
            {list.models.map((m) => (
              <tr key={m.version} data-version={m.version} class={m.active ? 'active' : ''}>
                <td>{m.version}</td>
                <td>{m.source}</td>
                <td>{m.threshold ?? '—'}</td>
                <td>
                  <code>{summariseMetrics(m.metrics)}</code>
                </td>
                <td>{clock(m.createdAt)}</td>
                <td>
                  {m.hubStatus ? `${m.hubStatus}${m.hubStatusReason ? `: ${m.hubStatusReason}` : ''}` : '—'}
                </td>
                <td>
                  {m.active ? (
                    <strong>{t('active')}</strong>
                  ) : (
                    <button
                      type="button"
                      onClick={() => run(`/seniors/${senior}/models/${m.version}/activate`)}
                    >
                      {t('activate')}
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}

function summariseMetrics(metrics: Record<string, unknown>): string {
  return Object.entries(metrics)
    .filter(([, v]) => typeof v === 'number')
    .slice(0, 3)
    .map(([k, v]) => `${k} ${Math.round((v as number) * 1000) / 1000}`)
    .join(', ');
}

/** A senior's hard-rule settings as JSON; the cloud validates them and tells the hub. */
export function RulesPage({ dash }: { dash: Dashboard }) {
  const [senior, setSenior] = useState('');
  const [error, setError] = useState('');
  const [saved, setSaved] = useState(false);
  const [rules] = useLoad(
    () =>
      senior ? dash.session.api<Record<string, unknown>>(`/seniors/${senior}/rules`) : Promise.resolve(null),
    [senior],
  );
  const save = async (e: SubmitEvent) => {
    e.preventDefault();
    setSaved(false);
    const text = String(new FormData(e.currentTarget as HTMLFormElement).get('rules'));
    const ok = await attempt(setError, async () => {
      await dash.session.api(`/seniors/${senior}/rules`, 'PUT', JSON.parse(text));
    });
    setSaved(ok);
  };
  return (
    <>
      <SeniorPicker dash={dash} value={senior} onChange={setSenior} />
      {rules && (
        <form class="rules" onSubmit={save} key={senior}>
          <label>
            {t('rulesJson')}
            <textarea
              name="rules"
              rows={18}
              spellcheck={false}
              defaultValue={JSON.stringify(rules, null, 2)}
            />
          </label>
          <button type="submit">{t('save')}</button>
          {saved && <span role="status"> {t('saved')}</span>}
        </form>
      )}
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
    </>
  );
}
