import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CpuEvalBlockedError, checkCodeGeneration } from '../src/index.js';

// The browser entry checks code generation before it builds a backend (the Chromium CSP test in
// apps/web covers the page); Node's --disallow-code-generation-from-strings refuses it the same way.
describe('code generation check', () => {
  it('passes where new Function is allowed', () => {
    expect(() => checkCodeGeneration()).not.toThrow();
  });

  it('throws the documented error where it is refused', () => {
    const entry = fileURLToPath(new URL('../dist/browser/index.js', import.meta.url));
    const script = `import(${JSON.stringify(entry)}).then((m) => { try { m.createCpuBackend(); console.log('created'); } catch (e) { console.log(e.name + ': ' + e.message); } });`;
    const out = execFileSync(process.execPath, ['--disallow-code-generation-from-strings', '-e', script], {
      encoding: 'utf8',
    });
    expect(out).toMatch(/^CpuEvalBlockedError: cpu backend: this context forbids generating code/);
    expect(out).toMatch(/'unsafe-eval'/);
  });

  it('names the cause', () => {
    const e = new CpuEvalBlockedError(new EvalError('refused'));
    expect(e.cause).toBeInstanceOf(EvalError);
  });
});
