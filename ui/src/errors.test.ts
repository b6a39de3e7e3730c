import { describe as suite, expect, it } from 'vitest';
import { ApiError, describe, toErrorBody } from './errors';

suite('toErrorBody', () => {
  it('keeps a core error body as it is', () => {
    const body = { code: 'WRONG_PASSCODE', message: 'That passcode is not right.' };
    expect(toErrorBody(body)).toEqual(body);
    expect(toErrorBody(new ApiError(body))).toEqual(body);
  });

  it('keeps the retry hint', () => {
    const body = { code: 'TOO_MANY_ATTEMPTS', message: 'Wait.', retry_after_secs: 30 };
    expect(toErrorBody(body).retry_after_secs).toBe(30);
  });

  it('never shows a raw string or undefined', () => {
    for (const junk of ['boom', undefined, null, 42, { code: 1, message: 2 }]) {
      const body = toErrorBody(junk);
      expect(body.code).toBe('INTERNAL');
      expect(body.message).toMatch(/Nothing was lost/);
    }
  });
});

suite('describe', () => {
  it('adds the crisis-line next step to storage failures', () => {
    expect(describe({ code: 'DISK_FULL', message: 'Full.' })).toMatch(/crisis lines/);
    expect(describe({ code: 'WRONG_PASSCODE', message: 'No.' })).toBe('No.');
  });
});
