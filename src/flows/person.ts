// The person a browser or device sign-in waits on, as the layer above presents them: the flows say and wait through it, and write nothing themselves.

export interface PersonWait {
  /** Aborts with an AmplifyError: ETIMEOUT after the timeout, ECANCELLED on Ctrl-C or SIGTERM. */
  signal: AbortSignal;
  done(): void;
}

export interface Person {
  /** Text for the person to read and act on (the UI puts it on stderr, never stdout). */
  show(text: string): void;
  /** Something the person should know that does not stop the sign-in. */
  warn(message: string): void;
  /** Opens the URL in the person's browser; rejects when none could be opened. */
  openBrowser(url: string): Promise<void>;
  /** A sign of waiting while the person acts elsewhere, until stopped. */
  waiting(message: string): { stop(): void };
  /** The bounds of waiting for the person: the timeout, and the person giving up (Ctrl-C). */
  waitFor(options: { timeoutSeconds: number; timeoutMessage: string }): PersonWait;
}

/** Rejects with the signal's reason as soon as it aborts, whatever the promise is still doing. */
export function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}
