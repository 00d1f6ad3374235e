/**
 * Every admin route, read from the OpenAPI document (so routes added later are covered too), refuses anonymous
 * callers (401) and students and tutors (403).
 */
import { describe, expect, setDefaultTimeout, test } from 'bun:test';
import { account, signedInAdmin, type SignedInAccount } from '../../support/admin.ts';
import { client } from '../../support/app.ts';
import { expectError } from '../accounts/helpers.ts';

// Each test signs several accounts in (argon2 hashing): generous under a loaded machine.
setDefaultTimeout(30_000);

type Operation = { method: string; path: string; body: unknown };

/** A body that passes validation, so an admin's answer is about the route, not the body. */
function sampleOf(schema: any): unknown {
  if (!schema) return undefined;
  if (schema.anyOf) return sampleOf(schema.anyOf[0]);
  if (schema.enum) return schema.enum[0];
  if (schema.const !== undefined) return schema.const;
  switch (schema.type) {
    case 'object':
      return Object.fromEntries((schema.required ?? []).map((key: string) => [key, sampleOf(schema.properties?.[key])]));
    case 'string':
      return 'x'.repeat(Math.max(1, schema.minLength ?? 1));
    case 'integer':
    case 'number':
      return schema.minimum ?? 1;
    case 'boolean':
      return true;
    case 'array':
      return [];
    default:
      return 'x';
  }
}

async function adminOperations(): Promise<Operation[]> {
  const api = await client();
  const document = (await api.get('/swagger/json')).body;
  const operations: Operation[] = [];
  for (const [path, methods] of Object.entries<any>(document.paths)) {
    if (!path.startsWith('/api/v1/admin/')) continue;
    for (const [method, operation] of Object.entries<any>(methods)) {
      const body = sampleOf(operation.requestBody?.content?.['application/json']?.schema);
      operations.push({ method: method.toUpperCase(), path: path.replace(/\{[^}]+\}/g, crypto.randomUUID()), body });
    }
  }
  return operations;
}

async function call(operation: Operation, who?: SignedInAccount) {
  const api = who?.api ?? (await client());
  return api.request(operation.method, operation.path, { body: operation.body, token: who?.accessToken });
}

/** The same route with an invalid body (a JSON number) or, without a body, an invalid query. */
async function callMalformed(operation: Operation, who?: SignedInAccount) {
  const api = who?.api ?? (await client());
  if (operation.body === undefined) return api.request(operation.method, `${operation.path}?limit=0`, { token: who?.accessToken });
  return api.request(operation.method, operation.path, { body: 42, token: who?.accessToken });
}

describe('admin routes', () => {
  test('the document lists the admin routes of this issue', async () => {
    const paths = (await adminOperations()).map((operation) => `${operation.method} ${operation.path.replace(/[0-9a-f-]{36}/g, '{id}')}`);
    expect(paths).toContain('GET /api/v1/admin/users');
    expect(paths).toContain('PATCH /api/v1/admin/users/{id}');
    expect(paths).toContain('GET /api/v1/admin/audit-log');
  });

  test('anonymous: 401 on every admin route', async () => {
    for (const operation of await adminOperations()) {
      const reply = await call(operation);
      expect({ route: `${operation.method} ${operation.path}`, status: reply.status }).toEqual({ route: `${operation.method} ${operation.path}`, status: 401 });
      expectError(reply, 401, 'unauthorized');
    }
  });

  test('authentication comes before validation: a malformed request is still 401 anonymous, 403 for a student', async () => {
    const student = await account('student');
    const admin = await signedInAdmin();
    let invalidForAdmin = 0;
    for (const operation of await adminOperations()) {
      const route = `${operation.method} ${operation.path}`;
      const anonymous = await callMalformed(operation);
      expect({ route, status: anonymous.status }).toEqual({ route, status: 401 });
      expectError(anonymous, 401, 'unauthorized');
      const refused = await callMalformed(operation, student);
      expect({ route, status: refused.status }).toEqual({ route, status: 403 });
      expectError(refused, 403, 'forbidden');
      if ([400, 422].includes((await callMalformed(operation, admin)).status)) invalidForAdmin++;
    }
    // The requests really are malformed: an admin gets a validation error for (at least) the list and reject routes.
    expect(invalidForAdmin).toBeGreaterThanOrEqual(3);
  });

  test('students and tutors: 403 on every admin route', async () => {
    const operations = await adminOperations();
    for (const role of ['student', 'tutor'] as const) {
      const caller = await account(role);
      for (const operation of operations) {
        const reply = await call(operation, caller);
        expect({ role, route: `${operation.method} ${operation.path}`, status: reply.status }).toEqual({ role, route: `${operation.method} ${operation.path}`, status: 403 });
        expectError(reply, 403, 'forbidden');
      }
    }
  });

  test('admins get through (no 401/403) on every admin route', async () => {
    const admin = await signedInAdmin();
    for (const operation of await adminOperations()) {
      const reply = await call(operation, admin);
      expect([401, 403]).not.toContain(reply.status);
    }
  });
});
