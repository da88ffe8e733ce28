import { AlertValidationError, parseGenericAlert } from '../../core/alerts/alert';
import { incidentIdFor } from '../../core/incident/incident-id';

const meta = { deliveryId: 'd1', receivedAt: '2026-11-24T10:00:00.000Z' };
const valid = { title: 'Customer emails in /api/users response', severity: 'SEV2', tenant: 'acme', dataCategories: ['personal-data'] };

function problemsOf(body: unknown): string[] {
  try {
    parseGenericAlert(body, meta);
  } catch (err) {
    if (err instanceof AlertValidationError) return err.problems;
    throw err;
  }
  throw new Error('expected the alert to be rejected');
}

describe('generic alert', () => {
  it('parses a valid alert and defaults what is optional', () => {
    const a = parseGenericAlert(valid, meta);
    expect(a).toMatchObject({ source: 'generic', severity: 'SEV2', tenant: 'acme', details: {}, dedupKey: `title:${valid.title}` });
  });

  it('names each missing or wrongly typed field', () => {
    expect(problemsOf({ severity: 'SEV2', tenant: 'acme' })).toEqual(['title: is required']);
    expect(problemsOf({ ...valid, severity: 'critical' })[0]).toMatch(/^severity: .*SEV1/);
    expect(problemsOf({ ...valid, dataCategories: 'pii' })[0]).toMatch(/^dataCategories: /);
    expect(problemsOf({ ...valid, tenant: 'acme corp/../x' })[0]).toMatch(/^tenant: /);
    expect(problemsOf({ ...valid, severty: 'SEV1' })).toEqual(['(body): unknown field(s) severty']);
    expect(problemsOf([1, 2])[0]).toMatch(/^\(body\)/);
    // Present but of the wrong type is not "required": the problem is the type.
    expect(problemsOf({ ...valid, title: 5 })).toEqual(['title: Invalid input: expected string, received number']);
    expect(problemsOf(null)).toEqual(['(body): Invalid input: expected object, received null']);
  });

  it('maps the same tenant and dedup key to the same incident, and others apart', () => {
    const a = parseGenericAlert({ ...valid, dedupKey: 'k1' }, meta);
    expect(incidentIdFor(a)).toBe(incidentIdFor(parseGenericAlert({ ...valid, title: 'other words', dedupKey: 'k1' }, meta)));
    expect(incidentIdFor(a)).not.toBe(incidentIdFor(parseGenericAlert({ ...valid, dedupKey: 'k2' }, meta)));
    expect(incidentIdFor(a)).not.toBe(incidentIdFor(parseGenericAlert({ ...valid, tenant: 'globex', dedupKey: 'k1' }, meta)));
    expect(incidentIdFor(a)).toMatch(/^inc-acme-[0-9a-f]{16}$/);
  });
});
