// The package version, set at build time so the helpers need not read package.json.
declare const __AMPLIFY_VERSION__: string | undefined;
export const version: string = typeof __AMPLIFY_VERSION__ === 'string' ? __AMPLIFY_VERSION__ : '0.0.0-dev';
