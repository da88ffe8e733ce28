const HOST_LABEL = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;

/**
 * A DNS name or IPv4 address, label by label (an IPv6 literal or a name with "_" is not one).
 * Shared by the nextjs source, which refuses other hosts in CSP reports, and @klaxon/next, which
 * drops them before sending so that one odd host does not get a whole report refused.
 */
export function isHostName(value: string): boolean {
  return value.length <= 253 && value.split('.').every((label) => HOST_LABEL.test(label));
}
