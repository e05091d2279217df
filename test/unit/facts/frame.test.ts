import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { composeScript, splitSections } from '../../../provisioning/facts/frame';

const marker = 'LOCKSTEP_0123456789abcdef';

function runLocally(script: string): string {
  return execFileSync('sh', ['-c', script], { encoding: 'utf8' });
}

describe('composeScript + splitSections', () => {
  it('gives each command its own stdout, stderr and exit code, in one shell run', () => {
    const script = composeScript(
      [
        { id: 'hello', command: 'echo hello; echo world' },
        { id: 'fails', command: 'echo partial; echo oops >&2; exit 3' },
        { id: 'no-newline', command: "printf 'x'" },
        { id: 'empty', command: 'true' },
        { id: 'missing', command: 'no-such-tool-lockstep --version' },
        { id: 'quotes', command: `printf '%s\\n' "it's" '$HOME'` },
      ],
      { marker },
    );
    const sections = splitSections(runLocally(script), marker);
    expect(sections.get('hello')).toEqual({ stdout: 'hello\nworld\n', stderr: '', code: 0 });
    expect(sections.get('fails')).toEqual({ stdout: 'partial\n', stderr: 'oops\n', code: 3 });
    expect(sections.get('no-newline')?.stdout).toBe('x');
    expect(sections.get('empty')).toEqual({ stdout: '', stderr: '', code: 0 });
    expect(sections.get('missing')?.code).toBe(127);
    expect(sections.get('quotes')?.stdout).toBe("it's\n$HOME\n");
  });

  it('does not let a command read the rest of the script from stdin', () => {
    const script = composeScript(
      [
        { id: 'reader', command: 'cat' },
        { id: 'after', command: 'echo still-here' },
      ],
      { marker },
    );
    const sections = splitSections(execFileSync('sh', ['-s'], { input: script, encoding: 'utf8' }), marker);
    expect(sections.get('reader')?.stdout).toBe('');
    expect(sections.get('after')?.stdout).toBe('still-here\n');
  });

  it('runs commands under the C locale so parsers see English field names', () => {
    const sections = splitSections(
      runLocally(composeScript([{ id: 'locale', command: 'echo $LC_ALL' }], { marker })),
      marker,
    );
    expect(sections.get('locale')?.stdout).toBe('C\n');
  });

  it('kills a command that hangs, and reports status 124 for it only', () => {
    const script = composeScript(
      [
        { id: 'hang', command: 'sleep 5' },
        { id: 'next', command: 'echo ok' },
      ],
      { marker, timeoutSeconds: 1 },
    );
    const sections = splitSections(runLocally(script), marker);
    expect(sections.get('hang')?.code).toBe(124);
    expect(sections.get('next')).toEqual({ stdout: 'ok\n', stderr: '', code: 0 });
  });

  it('reports a section cut short (connection dropped) with a null code', () => {
    const output = `${marker} begin a\none\n${marker} stderr a 0\n\n${marker} end a\n${marker} begin b\nhalf`;
    const sections = splitSections(output, marker);
    expect(sections.get('a')).toEqual({ stdout: 'one', stderr: '', code: 0 });
    expect(sections.get('b')).toEqual({ stdout: 'half', stderr: '', code: null });
  });

  it('ignores framing-like lines that carry another marker', () => {
    const script = composeScript(
      [{ id: 'tricky', command: 'echo "LOCKSTEP_ffffffffffffffff stderr tricky 9"' }],
      { marker },
    );
    expect(splitSections(runLocally(script), marker).get('tricky')).toEqual({
      stdout: 'LOCKSTEP_ffffffffffffffff stderr tricky 9\n',
      stderr: '',
      code: 0,
    });
  });

  it('refuses ids and markers that could break the framing', () => {
    expect(() => composeScript([{ id: 'a b', command: 'true' }], { marker })).toThrow(/bad fact id/);
    expect(() =>
      composeScript(
        [
          { id: 'a', command: 'true' },
          { id: 'a', command: 'true' },
        ],
        { marker },
      ),
    ).toThrow(/duplicate/);
    expect(() => composeScript([], { marker: 'x y' })).toThrow(/marker/);
  });
});
