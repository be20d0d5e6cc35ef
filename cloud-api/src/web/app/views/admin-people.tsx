import type { StaffMember } from '@hearth/shared';
import { useState } from 'preact/hooks';
import type { Dashboard } from '../controller.js';
import { t } from '../i18n.js';
import { attempt, SeniorPicker } from './admin.js';
import { useLoad } from './use-load.js';

const ROLES = ['staff', 'technician', 'admin'] as const;
const formOf = (e: SubmitEvent) => new FormData(e.currentTarget as HTMLFormElement);

type StaffRow = StaffMember & { disabled: boolean };

export function StaffPage({ dash }: { dash: Dashboard }) {
  const [list, loadError, reload] = useLoad(() => dash.session.api<{ staff: StaffRow[] }>('/staff'), []);
  const [error, setError] = useState('');
  const [message, setMessage] = useState('');
  const me = dash.model.me?.id;
  const create = async (e: SubmitEvent) => {
    e.preventDefault();
    const f = formOf(e);
    const form = e.currentTarget as HTMLFormElement;
    const ok = await attempt(setError, () =>
      dash.session.api('/staff', 'POST', {
        name: f.get('name'),
        email: f.get('email'),
        role: f.get('role'),
        password: f.get('password'),
      }),
    );
    if (ok) {
      form.reset();
      reload();
      void dash.loadStaffNames();
    }
  };
  // Either change ends the person's sessions at once (the cloud closes their dashboards).
  const change = async (s: StaffRow, patch: { role?: string; disabled?: boolean }) => {
    if (patch.disabled && !confirm(t('confirmDisable', { name: s.name }))) return;
    setMessage('');
    if (await attempt(setError, () => dash.session.api(`/staff/${s.id}`, 'PATCH', patch))) {
      setMessage(t('saved'));
      reload();
    }
  };
  return (
    <>
      <table class="list" id="staff">
        <thead>
          <tr>
            <th scope="col">{t('name')}</th>
            <th scope="col">{t('email')}</th>
            <th scope="col">{t('role')}</th>
            <th scope="col">
              <span class="sr-only">{t('action')}</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {(list?.staff ?? []).map((s) => (
            <tr key={s.id} data-staff-id={s.id} class={s.disabled ? 'disabled' : ''}>
              <td>
                {s.name}
                {s.disabled && <span class="badge"> {t('disabled')}</span>}
              </td>
              <td>{s.email}</td>
              <td>
                <select
                  aria-label={t('roleOf', { name: s.name })}
                  value={s.role}
                  disabled={s.id === me}
                  onChange={(e) => void change(s, { role: (e.currentTarget as HTMLSelectElement).value })}
                >
                  {ROLES.map((r) => (
                    <option key={r} value={r}>
                      {t(`role_${r}`)}
                    </option>
                  ))}
                </select>
              </td>
              <td>
                {s.id !== me && (
                  <button
                    type="button"
                    class={s.disabled ? 'secondary' : 'danger'}
                    onClick={() => void change(s, { disabled: !s.disabled })}
                  >
                    {t(s.disabled ? 'enable' : 'disable')}
                    <span class="sr-only"> {s.name}</span>
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {message && <p role="status">{message}</p>}
      {loadError && <p class="error">{loadError}</p>}
      <form class="inline-form" onSubmit={create}>
        <h2>{t('create')}</h2>
        <label>
          {t('name')} <input name="name" required maxLength={200} />
        </label>
        <label>
          {t('email')} <input name="email" type="email" required />
        </label>
        <label>
          {t('role')}
          <select name="role">
            {ROLES.map((r) => (
              <option key={r} value={r}>
                {t(`role_${r}`)}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t('password')}{' '}
          <input name="password" type="password" minLength={10} required autocomplete="new-password" />
        </label>
        <button type="submit">{t('create')}</button>
        {error && (
          <p class="error" role="alert">
            {error}
          </p>
        )}
      </form>
    </>
  );
}

export function SeniorsAdmin({ dash }: { dash: Dashboard }) {
  const [selected, setSelected] = useState('');
  const [error, setError] = useState('');
  const [message, setMessage] = useState('');
  const [staff] = useLoad(() => dash.session.api<{ staff: StaffMember[] }>('/staff'), []);
  const senior = dash.model.seniors.get(selected);
  const create = async (e: SubmitEvent) => {
    e.preventDefault();
    const f = formOf(e);
    const form = e.currentTarget as HTMLFormElement;
    let id = '';
    const ok = await attempt(setError, async () => {
      const made = await dash.session.api<{ id: string }>('/seniors', 'POST', {
        name: f.get('name'),
        address: f.get('address') || null,
        timezone: f.get('timezone') || 'UTC',
      });
      id = made.id;
    });
    if (ok) {
      form.reset();
      setSelected(id);
    }
  };
  const save = async (e: SubmitEvent) => {
    e.preventDefault();
    const f = formOf(e);
    const consent = f.get('videoConsent') === 'on';
    if (
      await attempt(setError, async () => {
        await dash.session.api(`/seniors/${selected}`, 'PATCH', {
          name: f.get('name'),
          address: f.get('address') || null,
          timezone: f.get('timezone'),
        });
        // Recorded apart (who agreed, when), and only when it changed.
        if (consent !== Boolean(senior?.videoConsent))
          await dash.session.api(`/seniors/${selected}/video-consent`, 'PUT', { consent });
      })
    )
      setMessage(t('saved'));
  };
  const assign = async (e: SubmitEvent) => {
    e.preventDefault();
    const f = formOf(e);
    if (
      await attempt(setError, () =>
        dash.session.api(`/seniors/${selected}/staff`, 'POST', {
          staffId: f.get('staffId'),
          position: Number(f.get('position') ?? 0),
        }),
      )
    )
      setMessage(t('saved'));
  };
  const carers = (staff?.staff ?? []).filter((s) => s.role !== 'technician');
  return (
    <>
      <form class="inline-form" onSubmit={create}>
        <h2>{t('create')}</h2>
        <label>
          {t('name')} <input name="name" required maxLength={200} />
        </label>
        <label>
          {t('address')} <input name="address" maxLength={500} />
        </label>
        <label>
          {t('timezone')} <input name="timezone" placeholder="Asia/Seoul" />
        </label>
        <button type="submit">{t('create')}</button>
      </form>
      <SeniorPicker dash={dash} value={selected} onChange={setSelected} />
      {senior && (
        <div class="two-forms" key={senior.id}>
          <form class="inline-form" onSubmit={save}>
            <h2>{senior.name}</h2>
            <label>
              {t('name')} <input name="name" defaultValue={senior.name} required />
            </label>
            <label>
              {t('address')} <input name="address" defaultValue={senior.address ?? ''} />
            </label>
            <label>
              {t('timezone')} <input name="timezone" defaultValue={senior.timezone} required />
            </label>
            <label class="choice">
              <input name="videoConsent" type="checkbox" defaultChecked={senior.videoConsent === true} />{' '}
              {t('videoConsent')}
            </label>
            <button type="submit">{t('save')}</button>
          </form>
          <form class="inline-form" onSubmit={assign}>
            <h2>{t('assignCarer')}</h2>
            <label>
              {t('staff')}
              <select name="staffId" required>
                {carers.map((s) => (
                  <option key={s.id} value={s.id}>
                    {s.name}
                  </option>
                ))}
              </select>
            </label>
            <label>
              {t('escalationOrder')}{' '}
              <input name="position" type="number" min={0} max={100} defaultValue="0" />
            </label>
            <button type="submit">{t('assignCarer')}</button>
          </form>
        </div>
      )}
      {message && <p role="status">{message}</p>}
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
    </>
  );
}
