// Stands in for the `debug` package in the bundles (tsup.config.ts): the proxy agents' traces, which DEBUG=* turns on, print
// proxy URLs and whole request buffers (Proxy-Authorization, bearer tokens); amplify's one trace is AMPLIFY_DEBUG, masked.
interface Debugger {
  (...args: unknown[]): void;
  enabled: boolean;
  namespace: string;
  extend(): Debugger;
}

const silent: Debugger = Object.assign(() => undefined, { enabled: false, namespace: '', extend: (): Debugger => silent });

export default function createDebug(): Debugger {
  return silent;
}
