import { ThemeToggle } from './ThemeToggle';

export function AppHeader() {
  return (
    <header className="border-b border-slate-200 bg-white/80 dark:border-slate-800 dark:bg-slate-900/80">
      <nav className="mx-auto flex max-w-[1400px] flex-wrap items-center gap-x-6 gap-y-1 whitespace-nowrap px-6 py-3" aria-label="main">
        <a href="/" className="font-mono text-lg font-bold">
          packet<span className="text-sky-500">walk</span>
        </a>
        <a href="/" className="text-sm hover:underline">
          New diagnosis
        </a>
        <a href="/matrix" className="text-sm hover:underline">
          Matrix
        </a>
        <a href="/wall" className="text-sm hover:underline">
          Wallboard
        </a>
        <span className="flex-1" />
        <ThemeToggle />
      </nav>
    </header>
  );
}
