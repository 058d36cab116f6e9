'use client';
import { useEffect, useState } from 'react';

/** Dark by default; the choice is remembered in localStorage. */
export function ThemeToggle() {
  const [dark, setDark] = useState(true);
  useEffect(() => {
    const saved = localStorage.getItem('pw-theme');
    if (saved === 'light') setDark(false);
  }, []);
  useEffect(() => {
    document.documentElement.classList.toggle('dark', dark);
  }, [dark]);
  return (
    <button
      type="button"
      onClick={() => {
        const next = !dark;
        setDark(next);
        localStorage.setItem('pw-theme', next ? 'dark' : 'light');
      }}
      className="rounded border border-slate-300 px-2 py-1 text-xs dark:border-slate-700"
      aria-label={dark ? 'Switch to light theme' : 'Switch to dark theme'}
    >
      {dark ? '☀ light' : '☾ dark'}
    </button>
  );
}
