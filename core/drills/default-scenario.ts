/**
 * The scenario `klaxon drill start` runs when none is given: one alert and no inject, on a
 * tenant of its own (`klaxon-drill`), so that the bare command proves paging and
 * acknowledgement end to end and touches no customer's tenant.
 */
export const DEFAULT_SCENARIO = `name: default-drill
description: Klaxon's own drill, the ladder paged end to end.
tenant: klaxon-drill
alert:
  title: Drill of the escalation ladder
  severity: SEV2
injects: []
`;

/** What the default scenario's errors would be named by (it has none: a unit test parses it). */
export const DEFAULT_SCENARIO_FILE = '(the default drill scenario)';
