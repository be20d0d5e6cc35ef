import { useEffect, useState } from 'preact/hooks';

/** Loads something when `deps` change; `reload()` loads it again. Errors come back as words. */
export function useLoad<T>(load: () => Promise<T>, deps: unknown[]): [T | null, string, () => void] {
  const [value, setValue] = useState<T | null>(null);
  const [error, setError] = useState('');
  const [round, setRound] = useState(0);
  useEffect(() => {
    let live = true;
    setError('');
    load().then(
      (v) => live && setValue(v),
      (err: Error) => live && setError(err.message),
    );
    return () => {
      live = false;
    };
  }, [...deps, round]);
  return [value, error, () => setRound((n) => n + 1)];
}
