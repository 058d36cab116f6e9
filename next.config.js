// Next.js config. Type checking and linting run in scripts/test.sh (tsc, eslint) over the whole tree, so the
// build does not repeat them (and is not blocked by someone else's half-finished module).
/** @type {import('next').NextConfig} */
const config = {
  reactStrictMode: true,
  poweredByHeader: false,
  typescript: { ignoreBuildErrors: true },
  // server-only packages never go into a client bundle
  serverExternalPackages: ['better-sqlite3', '@kubernetes/client-node'],
};
export default config;
