// JSON read from outside (config files, a helper's stdin, the environment): whether a value is an object before its keys are read.

/** A JSON object: not null, not an array. */
export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
