// The one AMPLIFY_DEBUG switch: traces, stacks and the fast tier's hand-over notes all ask here.

/** AMPLIFY_DEBUG=1 (exactly "1": SPEC "Errors"). */
export const debugOn = (env: NodeJS.ProcessEnv | Readonly<Record<string, string | undefined>>): boolean => env.AMPLIFY_DEBUG === '1';
