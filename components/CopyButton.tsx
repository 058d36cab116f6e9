'use client';
import { useState } from 'react';

/** Copies text to the clipboard; says so for a moment (falls back to selecting a textarea on http origins). */
export function CopyButton({ text, label, caption = 'Copy', className = '' }: { text: string; label: string; caption?: string; className?: string }) {
  const [done, setDone] = useState(false);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(text);
    } catch {
      const ta = document.createElement('textarea');
      ta.value = text;
      document.body.appendChild(ta);
      ta.select();
      document.execCommand('copy');
      ta.remove();
    }
    setDone(true);
    setTimeout(() => setDone(false), 1500);
  };
  return (
    <button
      type="button"
      onClick={() => void copy()}
      aria-label={label}
      title={label}
      className={`shrink-0 rounded border border-slate-300 px-2 py-0.5 text-xs font-medium hover:bg-slate-100 dark:border-slate-600 dark:hover:bg-slate-800 ${className}`}
    >
      {done ? 'Copied' : caption}
    </button>
  );
}
