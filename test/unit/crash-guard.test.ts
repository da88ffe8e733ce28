import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describeError } from '../../client/api/crash-guard';
import { ROOT } from '../support/processes';

/** The process-level last resort of the API processes (client/api/main.ts, scripts/start.ts). */
describe('keepServingOnUncaughtErrors', () => {
  it('keeps a process alive through an escaped error and an unhandled rejection, logging neither message', async () => {
    // A real process: jest's own handlers would hide what Node does without the guard.
    const script = `
      require('./client/api/crash-guard.ts').keepServingOnUncaughtErrors();
      setTimeout(() => { throw new Error('card 4111 1111 1111 1111'); });
      Promise.reject(new TypeError('token xoxb-secret'));
      setTimeout(() => console.log('still serving'), 100);
    `;
    const { stdout, stderr } = await promisify(execFile)(process.execPath, ['--import', 'tsx', '-e', script], { cwd: ROOT });
    // Logged as pino lines (JSON: standard output is a pipe here), then the process goes on.
    const lines = stdout.trim().split('\n');
    expect(lines.at(-1)).toBe('still serving');
    const logged = lines.slice(0, -1).map((l) => JSON.parse(l) as { level: number; msg: string });
    expect(logged).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ level: 50, msg: expect.stringMatching(/an error escaped its handler; still serving: Error at /) }),
        expect.objectContaining({ level: 50, msg: expect.stringMatching(/a promise rejection was not handled; still serving: TypeError at /) }),
      ]),
    );
    expect(stdout + stderr).not.toMatch(/4111|xoxb/);
  });
});

describe('describeError', () => {
  it('tells the kind, the code and the place, never the message', () => {
    const err = Object.assign(new Error('duplicate key (alice@example.com)'), { code: '23505' });
    const text = describeError(err);
    expect(text).toMatch(/^Error \(23505\) at .*crash-guard\.test\.ts/);
    expect(text).not.toContain('alice');
    expect(describeError('a string with a secret')).toBe('a thrown string');
    expect(describeError(null)).toBe('a thrown null');
  });
});
