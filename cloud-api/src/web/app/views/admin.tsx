import type { Dashboard } from '../controller.js';
import { type MessageKey, t } from '../i18n.js';
import { AuditPage, OutcomesPage } from './admin-audit.js';
import { HubsPage, PairingPage } from './admin-devices.js';
import { ModelsPage, RulesPage } from './admin-models.js';
import { SeniorsAdmin, StaffPage } from './admin-people.js';
import { ReleasesPage } from './admin-releases.js';

const ADMIN_PAGES = [
  'staff',
  'seniors',
  'pairing',
  'hubs',
  'releases',
  'models',
  'rules',
  'outcomes',
  'audit',
] as const;
/** Technicians see pairing and device health only. */
const TECHNICIAN_PAGES = ['pairing', 'hubs'] as const;

export function AdminPage({ dash, path, now }: { dash: Dashboard; path: string; now: number }) {
  const role = dash.model.me?.role;
  const pages: readonly string[] = role === 'admin' ? ADMIN_PAGES : TECHNICIAN_PAGES;
  const wanted = path.split('/')[2] ?? '';
  const page = pages.includes(wanted) ? wanted : pages[0]!;
  return (
    <section aria-labelledby="admin-title">
      <h1 id="admin-title">{t(page as MessageKey)}</h1>
      <nav class="tabs" aria-label={t('admin')}>
        {pages.map((p) => (
          <a key={p} class="tab" href={`#/admin/${p}`} aria-current={p === page ? 'page' : undefined}>
            {t(p as MessageKey)}
          </a>
        ))}
      </nav>
      {page === 'staff' && <StaffPage dash={dash} />}
      {page === 'seniors' && <SeniorsAdmin dash={dash} />}
      {page === 'pairing' && <PairingPage dash={dash} now={now} />}
      {page === 'hubs' && <HubsPage dash={dash} now={now} />}
      {page === 'releases' && <ReleasesPage dash={dash} />}
      {page === 'models' && <ModelsPage dash={dash} />}
      {page === 'rules' && <RulesPage dash={dash} />}
      {page === 'outcomes' && <OutcomesPage dash={dash} />}
      {page === 'audit' && <AuditPage dash={dash} />}
    </section>
  );
}

/** A select of the seniors this person may see, remembering the choice across pages. */
export function SeniorPicker(props: { dash: Dashboard; value: string; onChange: (id: string) => void }) {
  const seniors = [...props.dash.model.seniors.values()].sort((a, b) => a.name.localeCompare(b.name));
  return (
    <label class="picker">
      {t('chooseSenior')}
      <select
        name="senior"
        value={props.value}
        onChange={(e) => props.onChange((e.currentTarget as HTMLSelectElement).value)}
      >
        <option value="">—</option>
        {seniors.map((s) => (
          <option key={s.id} value={s.id}>
            {s.name}
          </option>
        ))}
      </select>
    </label>
  );
}

/** Runs a form's action, showing its error in words. */
export async function attempt(setError: (s: string) => void, fn: () => Promise<unknown>): Promise<boolean> {
  setError('');
  try {
    await fn();
    return true;
  } catch (err) {
    setError(t('error', { message: (err as Error).message }));
    return false;
  }
}
