// Next.js config. `next build` type-checks the app as well (a type error fails the build, issue 9); eslint
// runs in scripts/test.sh over the whole tree.
/** @type {import('next').NextConfig} */
const config = {
  reactStrictMode: true,
  poweredByHeader: false,
  // server-only packages never go into a client bundle
  serverExternalPackages: ['better-sqlite3', '@kubernetes/client-node'],
};
export default config;
