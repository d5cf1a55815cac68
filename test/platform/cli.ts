// `npm run platform [-- --port N]`: starts the local platform, prints how to use it (demo secrets included, on purpose) and runs until stopped.
import { parseArgs } from 'node:util';
import { startPlatform } from './index.js';

const usage = 'usage: npm run platform -- [--port N] [--dir DIR] [--quiet]';

function parsePort(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`invalid --port ${value}\n${usage}`);
    process.exit(2);
  }
  return port;
}

async function main(): Promise<void> {
  let values: { port?: string; dir?: string; quiet?: boolean; help?: boolean };
  try {
    ({ values } = parseArgs({
      options: { port: { type: 'string', short: 'p' }, dir: { type: 'string' }, quiet: { type: 'boolean', short: 'q' }, help: { type: 'boolean', short: 'h' } },
    }));
  } catch (error) {
    console.error(`${(error as Error).message}\n${usage}`);
    process.exit(2);
  }
  if (values.help) {
    console.log(usage);
    return;
  }

  const port = parsePort(values.port);
  const platform = await startPlatform({ ...(port !== undefined ? { port } : {}), ...(values.dir ? { dir: values.dir } : {}), quiet: values.quiet ?? false });
  const { serviceAccounts: sa } = platform;
  const orgLabel = (org: { id: string; name: string }) => `${org.name} (${org.id})`;
  const lines = [
    'Amplify local platform is running.',
    '',
    `  issuer         ${platform.issuer}`,
    `  platform URL   ${platform.platformUrl}`,
    `  client id      ${platform.clientId} (public: PKCE, device, password)`,
    `  confidential   ${platform.confidentialClient.clientId}  secret ${platform.confidentialClient.clientSecret}`,
    '',
    'People (username / password):',
    ...platform.people.map(
      (p) => `  ${p.username.padEnd(8)} ${p.password.padEnd(10)} ${p.email.padEnd(20)} orgs: ${p.orgs.map(orgLabel).join(', ')} (default ${p.orgs[0]?.name ?? 'none'})`,
    ),
    '',
    'Service accounts:',
    `  ${sa.secret.clientId.padEnd(12)} client secret ${sa.secret.clientSecret}   org ${orgLabel(sa.secret.org)}`,
    `  ${sa.rsa.clientId.padEnd(12)} RSA key file  ${sa.rsa.keyFile}   org ${orgLabel(sa.rsa.org)}`,
    `  ${sa.ec.clientId.padEnd(12)} EC key file   ${sa.ec.keyFile}   org ${orgLabel(sa.ec.org)}`,
    ...sa.batch.map((b) => `  ${b.clientId.padEnd(12)} client secret ${b.clientSecret}   org ${orgLabel(b.org)}`),
    '',
    'Protected resources (accept only this issuer\'s access tokens, as Bearer or as the Basic password):',
    `  git            ${platform.urls.git}`,
    `  registry       ${platform.urls.registry}  (image ${platform.urls.registry}/demo:latest)`,
    `  npm            ${platform.urls.npm}  (GET /-/whoami)`,
    `  kube           ${platform.urls.kube}  (GET /api)`,
    '',
    'Try it:',
    `  amplify auth login --issuer ${platform.issuer} --platform-url ${platform.platformUrl}`,
    `  AMPLIFY_CLIENT_SECRET=${sa.secret.clientSecret} amplify auth login --issuer ${platform.issuer} --platform-url ${platform.platformUrl} --client-id ${sa.secret.clientId}`,
    `  device sign-in page: ${platform.endpoints.deviceVerification}`,
    '',
    'Press Ctrl+C to stop.',
  ];
  console.log(lines.join('\n'));

  let stopping = false;
  const shutdown = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    console.error(`\n${signal}: stopping the platform`);
    platform.close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error((error as Error).message);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
}

main().catch((error: unknown) => {
  console.error(`platform failed to start: ${(error as Error).message}`);
  process.exit(1);
});
