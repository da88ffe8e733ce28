'use client';

import { useEffect, useState } from 'react';

/**
 * Renders once on the server and at hydration as "Loading…", then throws during its next
 * render in the browser, as a component does whose data turns out malformed. The message holds
 * a customer's e-mail address, as real error messages do: the boundary redacts it before it
 * leaves the browser, and Klaxon again before it stores anything.
 */
export function InvoicePreview() {
  const [loaded, setLoaded] = useState(false);
  useEffect(() => setLoaded(true), []);
  if (loaded) throw new TypeError('Cannot read the invoice total of jane.doe@example.com: line 3 has no amount');
  return <p>Loading the invoice…</p>;
}
