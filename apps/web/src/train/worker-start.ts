/** The training worker did not start; the message says why (a CSP, a script not served) and what to do. */
export class WorkerStartError extends Error {
  override name = 'WorkerStartError';
}

/**
 * Watches the start of the worker at `url`. The browser's error event for a worker that did not
 * start carries no message; the reason is a CSP violation event (on the page) or the script's
 * HTTP status, which `explain` looks up.
 */
export function watchWorkerStart(url: URL): { explain(detail?: string): Promise<WorkerStartError> } {
  let refused: SecurityPolicyViolationEvent | undefined;
  const onViolation = (e: SecurityPolicyViolationEvent) => {
    if (/^(worker|script|child|default)-src/.test(e.effectiveDirective)) refused ??= e;
  };
  const target = globalThis.document;
  target?.addEventListener('securitypolicyviolation', onViolation);
  const explain = async (detail?: string): Promise<WorkerStartError> => {
    // The violation event is queued as a task: let it arrive first.
    await new Promise((ok) => setTimeout(ok, 0));
    target?.removeEventListener('securitypolicyviolation', onViolation);
    const what = `the training worker (${url.href}) could not start`;
    if (refused)
      return new WorkerStartError(
        `${what}: the page's Content-Security-Policy refused it (${refused.effectiveDirective}: "${refused.originalPolicy}"). ` +
          `Allow it with worker-src 'self' (or script-src 'self' when there is no worker-src), or train on tfjs-webgl, which runs on the page's thread.`,
      );
    const status = await fetch(url, { method: 'HEAD' }).then(
      (r) => (r.ok ? undefined : `HTTP ${r.status}`),
      (e: Error) => e.message,
    );
    if (status)
      return new WorkerStartError(
        `${what}: its script did not load (${status}). Serve the whole built folder (the page and its assets/) from one place.`,
      );
    return new WorkerStartError(
      `${what}: ${detail || 'the browser gave no reason'} (see the browser console).`,
    );
  };
  return { explain };
}
