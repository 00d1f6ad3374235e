/**
 * `bun run lint:api`: renders the OpenAPI document from the app (no server needed) and runs Redocly's
 * recommended rules on it, with no configuration relaxing them.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildApp } from '../server/app.ts';

const response = await buildApp().handle(new Request('http://localhost/swagger/json'));
if (!response.ok) throw new Error(`could not render the OpenAPI document: ${response.status}`);
const file = join(mkdtempSync(join(tmpdir(), 'lyceum-openapi-')), 'openapi.json');
writeFileSync(file, JSON.stringify(await response.json(), null, 2));

const lint = Bun.spawn(['bunx', 'redocly', 'lint', '--extends', 'recommended', file], {
  cwd: join(import.meta.dir, '..'),
  stdout: 'inherit',
  stderr: 'inherit',
});
process.exit(await lint.exited);
