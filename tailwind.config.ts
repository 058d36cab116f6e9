import type { Config } from 'tailwindcss';

// Dark mode by class: the header toggle sets it; the wallboard is always dark.
export default {
  darkMode: 'class',
  content: ['./app/**/*.{ts,tsx}', './components/**/*.{ts,tsx}'],
  theme: {
    extend: {
      fontFamily: {
        mono: ['ui-monospace', 'SFMono-Regular', 'Menlo', 'Consolas', 'monospace'],
      },
      keyframes: {
        probe: { '0%, 100%': { opacity: '1' }, '50%': { opacity: '0.55' } },
      },
      animation: { probe: 'probe 1.1s ease-in-out infinite' },
    },
  },
  plugins: [],
} satisfies Config;
