import { KlaxonErrorBoundary } from '@klaxon/next/client';
import { headers } from 'next/headers';
import type { ReactNode } from 'react';

export const metadata = { title: 'Klaxon example app' };

/**
 * The request id the proxy gave this request is rendered into the page, so an error the
 * boundary reports from the browser carries it and Klaxon's incident can be matched to the
 * server's log lines. The boundary wraps every page: a page that throws while rendering shows
 * the fallback, and the error (its message redacted in the browser) goes to /api/klaxon/report.
 */
export default async function RootLayout({ children }: { children: ReactNode }) {
  const requestId = (await headers()).get('x-request-id') ?? '';
  return (
    <html lang="en">
      <head>
        <meta name="klaxon-request-id" content={requestId} />
      </head>
      <body>
        <KlaxonErrorBoundary reportUrl="/api/klaxon/report" fallback={<p role="alert">Something went wrong on this page. We have been told and are looking into it.</p>}>
          {children}
        </KlaxonErrorBoundary>
      </body>
    </html>
  );
}
