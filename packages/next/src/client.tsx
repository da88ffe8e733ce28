'use client';
import { Component, type ReactNode } from 'react';
import { buildClientReport, type BrowserSurface } from './client-report';

export { buildClientReport, stripQueries, type BrowserSurface, type ClientErrorReport } from './client-report';

export interface ReportClientErrorOptions {
  /** The app's own report route (klaxonReportHandler), e.g. "/api/klaxon/report". */
  reportUrl: string;
  release?: string;
  /** Default: 'server-component' for an error with Next's digest (it happened on the server), 'client-component' otherwise. */
  surface?: BrowserSurface;
  app?: string;
}

/**
 * Sends one caught error to the app's report route: redacted name and message, stack without
 * query strings, route, release and the request id the layout rendered in
 * `<meta name="klaxon-request-id">`. For Next's `error.tsx` / `global-error.tsx`. Never throws:
 * reporting must not break the page that is already showing an error.
 */
export function reportClientError(error: unknown, options: ReportClientErrorOptions): void {
  try {
    const requestId = document.querySelector('meta[name="klaxon-request-id"]')?.getAttribute('content');
    const report = buildClientReport(error, options, { pathname: location.pathname, requestId });
    void fetch(options.reportUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(report),
      keepalive: true,
      credentials: 'same-origin',
    }).catch(() => undefined);
  } catch {
    // Nothing to do: the page shows its fallback either way.
  }
}

export interface KlaxonErrorBoundaryProps {
  reportUrl?: string;
  app?: string;
  release?: string;
  fallback: ReactNode | ((reset: () => void) => ReactNode);
  children?: ReactNode;
}

/**
 * An error boundary that reports what it catches to Klaxon through the app's report route
 * (default "/api/klaxon/report") and shows `fallback`; a function fallback gets `reset`, which
 * renders the children again.
 */
export class KlaxonErrorBoundary extends Component<KlaxonErrorBoundaryProps, { failed: boolean }> {
  override state = { failed: false };

  static getDerivedStateFromError(): { failed: boolean } {
    return { failed: true };
  }

  override componentDidCatch(error: unknown): void {
    reportClientError(error, { reportUrl: this.props.reportUrl ?? '/api/klaxon/report', release: this.props.release, app: this.props.app });
  }

  private readonly reset = (): void => this.setState({ failed: false });

  override render(): ReactNode {
    if (!this.state.failed) return this.props.children;
    const { fallback } = this.props;
    return typeof fallback === 'function' ? fallback(this.reset) : fallback;
  }
}
