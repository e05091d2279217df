import { describe, expect, it } from 'vitest';
import { classifySudoRefusal, newSudoTokens, sudoCommand, sudoError } from '../../../provisioning/ssh/sudo';

describe('sudo framing', () => {
  it('uses a fresh prompt and marker each time, with nothing sudo would expand', () => {
    const a = newSudoTokens();
    const b = newSudoTokens();
    expect(a.prompt).not.toBe(b.prompt);
    expect(a.prompt).toMatch(/^\[lockstep-sudo-[0-9a-f]{24}\]$/);
    expect(a.prompt).not.toContain('%');
  });

  it('runs the command through sh -c behind the marker, quoted as one word', () => {
    const tokens = { prompt: '[p]', marker: '[m]' };
    expect(sudoCommand("echo 'it''s'; id -u", tokens)).toBe(
      `sudo -S -p '[p]' -- sh -c 'printf '\\''%s %s\\n'\\'' '\\''[m]'\\'' "$$" >&2\necho '\\''it'\\'''\\''s'\\''; id -u'`,
    );
  });

  it.each([
    ['sudo: a password is required', 1, 'password-required'],
    ['sudo: no password was provided', 1, 'password-required'],
    ['Sorry, try again.\nsudo: 1 incorrect password attempt', 1, 'wrong-password'],
    ['nosudo is not in the sudoers file.', 1, 'not-permitted'],
    ['Sorry, user admin is not allowed to execute', 1, 'not-permitted'],
    ['sh: 1: sudo: not found', 127, 'not-installed'],
    ['something else', 1, 'other'],
  ] as const)('reads %j as %s', (stderr, code, reason) => {
    expect(classifySudoRefusal(stderr, code)).toBe(reason);
  });

  it('explains each refusal with a remedy', () => {
    const error = sudoError('10.0.0.11', 'admin', 'not-permitted', '');
    expect(error.code).toBe('ssh.sudo-unavailable');
    expect(error.message).toBe('admin may not use sudo on 10.0.0.11.');
    expect(error.remedy).toMatch(/^Add admin to the sudo group/);
  });
});
