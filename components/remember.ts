// The browser's memory of a user's last choices (the namespace last picked per context, the last matrix run), so a
// page opened again starts where the user left it. localStorage under "packetwalk.<key>"; nothing is kept when
// storage is off (private mode, a full quota) and the pages work as before.

/** The value last remembered under `key`, or null. */
export function remembered(key: string): string | null {
  try {
    return window.localStorage.getItem(`packetwalk.${key}`);
  } catch {
    return null;
  }
}

/** Remembers `value` under `key`; null forgets it. */
export function remember(key: string, value: string | null): void {
  try {
    if (value === null) window.localStorage.removeItem(`packetwalk.${key}`);
    else window.localStorage.setItem(`packetwalk.${key}`, value);
  } catch {
    /* storage off: nothing is remembered */
  }
}
