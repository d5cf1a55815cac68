// The deadline of every request to an issuer or the platform (SPEC "Network"): one line naming the host and the time.
import type { HttpFetch } from './http.js';

/**
 * fetch with a deadline of ms. openid-client passes a signal of its own (30 s, whatever we set): its TimeoutError is
 * not passed down, so that this deadline is the one that counts and says so (openid-client's own says "(23)", a
 * DOMException's legacy code); a caller's deliberate abort still is. The failure is fetch's own shape, a TypeError
 * 'fetch failed' with the reason as its cause, so that every caller reports it as a network failure, in one line.
 */
export function withDeadline(fetch: HttpFetch, ms: number): HttpFetch {
  return async (input, init = {}) => {
    const host = new URL(String(input)).host;
    const controller = new AbortController();
    const seconds = Math.round(ms / 100) / 10;
    const expired = new Error(`timed out after ${seconds} s waiting for ${host}`);
    const timer = setTimeout(() => controller.abort(expired), ms);
    const outer = init.signal ?? undefined;
    const forward = (): void => {
      if ((outer?.reason as Error | undefined)?.name !== 'TimeoutError') controller.abort(outer?.reason);
    };
    if (outer?.aborted) forward();
    else outer?.addEventListener('abort', forward, { once: true });
    try {
      return await fetch(input, { ...init, signal: controller.signal });
    } catch (error) {
      if (controller.signal.reason === expired) throw new TypeError('fetch failed', { cause: expired });
      throw error;
    } finally {
      clearTimeout(timer);
      outer?.removeEventListener('abort', forward);
    }
  };
}
