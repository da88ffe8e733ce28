import type { NextConfig } from 'next';

/**
 * A Content-Security-Policy whose violations are reported to the app's own route
 * (app/api/klaxon/csp), in both ways browsers send them: `report-uri` (every browser) and
 * `report-to` with the Reporting-Endpoints header (Chromium). Next's inline bootstrap scripts
 * need 'unsafe-inline' here; a stricter app uses nonces set in its proxy.
 */
const csp = [
  "default-src 'self'",
  "script-src 'self' 'unsafe-inline'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  'report-uri /api/klaxon/csp',
  'report-to klaxon-csp',
].join('; ');

const config: NextConfig = {
  poweredByHeader: false,
  // This folder is the app's root, though the repository around it has a lock file of its own.
  turbopack: { root: __dirname },
  outputFileTracingRoot: __dirname,
  async headers() {
    return [
      {
        source: '/:path*',
        headers: [
          { key: 'Content-Security-Policy', value: csp },
          { key: 'Reporting-Endpoints', value: 'klaxon-csp="/api/klaxon/csp"' },
        ],
      },
    ];
  },
};

export default config;
