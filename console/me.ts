import { getJson } from './api';
import { replaceChildren } from './dom';

/** `GET /v1/me`: who the session's token is and what it may do (ledger/api-tokens.ts ApiToken, as the API answers it). */
export interface Me {
  name: string;
  scopes: Array<'incidents:read' | 'audit:read' | 'incidents:write'>;
  responder?: string;
  tenants?: string[];
  createdAt: string;
  expiresAt?: string;
}

export const loadMe = (): Promise<Me> => getJson<Me>('/v1/me');

/** Changes need a write token bound to a responder: the API acts as that responder. */
export const canWrite = (me: Me): boolean => me.scopes.includes('incidents:write') && me.responder !== undefined;

export const canAudit = (me: Me): boolean => me.scopes.includes('audit:read');

/** The header's `#who`: the token's name, and the responder it acts as. */
export function showWho(me: Me): void {
  const who = document.getElementById('who');
  if (who) replaceChildren(who, me.responder ? `${me.name} (as ${me.responder})` : me.name);
}
