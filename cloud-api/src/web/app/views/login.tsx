import { useState } from 'preact/hooks';
import type { Dashboard } from '../controller.js';
import { t } from '../i18n.js';

export function Login({ dash }: { dash: Dashboard }) {
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const submit = async (event: SubmitEvent) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget as HTMLFormElement);
    setBusy(true);
    setError('');
    try {
      await dash.session.login(String(form.get('email')), String(form.get('password')));
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <main id="main" class="login">
      <h1>{t('appName')}</h1>
      <form id="login-form" onSubmit={submit}>
        <h2>{t('signIn')}</h2>
        <label>
          {t('email')}
          <input name="email" type="email" autocomplete="username" required />
        </label>
        <label>
          {t('password')}
          <input name="password" type="password" autocomplete="current-password" required />
        </label>
        <button type="submit" disabled={busy}>
          {busy ? t('signingIn') : t('signIn')}
        </button>
        <p id="login-error" class="error" role="alert">
          {error}
        </p>
      </form>
    </main>
  );
}
