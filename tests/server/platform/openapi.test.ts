import { beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { client } from '../../support/app.ts';

// bunfig's [test] timeout is not a Bun setting: the default is 5 s, too short for mail round trips under load.
setDefaultTimeout(20_000);

type Operation = {
  summary?: string;
  tags?: string[];
  security?: Array<Record<string, string[]>>;
  operationId?: string;
  requestBody?: { content?: Record<string, { schema?: unknown }> };
  responses?: Record<string, { description?: string; content?: Record<string, { schema?: unknown }> }>;
};
type Document = {
  openapi: string;
  info: { title: string; version: string };
  tags?: Array<{ name: string }>;
  paths: Record<string, Record<string, Operation>>;
  components?: { schemas?: Record<string, unknown>; securitySchemes?: Record<string, unknown> };
};

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

/** The account routes of the contract implemented so far, with whether they need authentication. */
const ACCOUNT_ROUTES: Array<[method: string, path: string, authenticated: boolean]> = [
  ['post', '/api/v1/auth/register', false],
  ['post', '/api/v1/auth/verify-email', false],
  ['post', '/api/v1/auth/resend-verification', false],
  ['post', '/api/v1/auth/login', false],
  ['post', '/api/v1/auth/refresh', false],
  ['post', '/api/v1/auth/logout', true],
  ['post', '/api/v1/auth/password/forgot', false],
  ['post', '/api/v1/auth/password/reset', false],
  ['post', '/api/v1/auth/password/change', true],
  ['post', '/api/v1/ws/ticket', true],
  ['get', '/api/v1/me', true],
  ['patch', '/api/v1/me', true],
];

let doc: Document;
const operations = () =>
  Object.entries(doc.paths).flatMap(([path, item]) =>
    Object.entries(item)
      .filter(([method]) => METHODS.includes(method))
      .map(([method, operation]) => ({ path, method, operation })),
  );

beforeAll(async () => {
  const reply = await (await client()).get('/swagger/json');
  expect(reply.status).toBe(200);
  expect(reply.headers.get('content-type') ?? '').toContain('application/json');
  doc = reply.body;
});

describe('/swagger/json', () => {
  test('is an OpenAPI 3.1.x document', () => {
    expect(doc.openapi).toMatch(/^3\.1\.\d+$/);
    expect(doc.info.title).toBeTruthy();
    expect(doc.info.version).toBeTruthy();
  });

  test('API paths keep the /api/v1 prefix; nothing internal is listed', () => {
    for (const path of Object.keys(doc.paths)) {
      expect(path.startsWith('/api/v1/') || path.startsWith('/health/')).toBe(true);
      expect(path).not.toContain('*');
      expect(path.startsWith('/swagger')).toBe(false);
    }
  });

  test('lists every account route with the right security', () => {
    for (const [method, path, authenticated] of ACCOUNT_ROUTES) {
      const operation = doc.paths[path]?.[method];
      expect({ method, path, found: operation !== undefined }).toEqual({ method, path, found: true });
      if (authenticated) {
        expect(operation!.security).toEqual(expect.arrayContaining([{ bearer: [] }, { cookie: [] }]));
      } else {
        expect(operation!.security).toEqual([]);
      }
    }
  });

  test('every operation has a summary, known tags, a security requirement and a unique operationId', () => {
    const declaredTags = new Set((doc.tags ?? []).map((tag) => tag.name));
    const schemes = new Set(Object.keys(doc.components?.securitySchemes ?? {}));
    const ids = new Set<string>();
    for (const { path, method, operation } of operations()) {
      const where = `${method.toUpperCase()} ${path}`;
      expect({ where, summary: typeof operation.summary === 'string' && operation.summary.length > 0 }).toEqual({ where, summary: true });
      expect({ where, tags: Array.isArray(operation.tags) && operation.tags.length > 0 }).toEqual({ where, tags: true });
      for (const tag of operation.tags!) expect({ where, tag, declared: declaredTags.has(tag) }).toEqual({ where, tag, declared: true });
      expect({ where, security: Array.isArray(operation.security) }).toEqual({ where, security: true });
      for (const requirement of operation.security!) {
        for (const scheme of Object.keys(requirement)) expect({ where, scheme, defined: schemes.has(scheme) }).toEqual({ where, scheme, defined: true });
      }
      if (operation.operationId) {
        expect({ where, duplicate: ids.has(operation.operationId) }).toEqual({ where, duplicate: false });
        ids.add(operation.operationId);
      }
    }
  });

  test('account operations describe their request and response bodies; errors use the Error schema', () => {
    for (const [method, path] of ACCOUNT_ROUTES) {
      const operation = doc.paths[path]![method]!;
      const where = `${method.toUpperCase()} ${path}`;
      const statuses = Object.keys(operation.responses ?? {});
      const success = statuses.filter((status) => /^2\d\d$/.test(status));
      expect({ where, success: success.length }).toEqual({ where, success: 1 });
      const ok = operation.responses![success[0]!]!;
      if (success[0] === '200' || success[0] === '201') expect({ where, schema: !!ok.content?.['application/json']?.schema }).toEqual({ where, schema: true });
      for (const status of statuses.filter((status) => /^[45]\d\d$/.test(status))) {
        const schema = operation.responses![status]!.content?.['application/json']?.schema as { $ref?: string } | undefined;
        expect({ where, status, ref: schema?.$ref }).toEqual({ where, status, ref: '#/components/schemas/Error' });
      }
      if (method !== 'get' && !['/api/v1/auth/logout', '/api/v1/ws/ticket'].includes(path)) {
        expect({ where, body: Object.keys(operation.requestBody?.content ?? {}) }).toEqual({ where, body: ['application/json'] });
      }
    }
    const authenticatedRoutes = ACCOUNT_ROUTES.filter(([, , authenticated]) => authenticated);
    for (const [method, path] of authenticatedRoutes) {
      expect({ path, method, has401: '401' in doc.paths[path]![method]!.responses! }).toEqual({ path, method, has401: true });
    }
  });

  test('the Error schema matches the contract body', () => {
    const error = doc.components?.schemas?.Error as any;
    expect(error).toBeDefined();
    expect(error.required).toEqual(['error']);
    expect(error.properties.error.required.sort()).toEqual(['code', 'message']);
    expect(Object.keys(error.properties.error.properties).sort()).toEqual(['code', 'fields', 'message']);
  });

  test('every $ref points to something in the document', () => {
    const refs: string[] = [];
    const walk = (node: unknown) => {
      if (Array.isArray(node)) return node.forEach(walk);
      if (!node || typeof node !== 'object') return;
      for (const [key, value] of Object.entries(node)) {
        if (key === '$ref' && typeof value === 'string') refs.push(value);
        else walk(value);
      }
    };
    walk(doc);
    for (const ref of refs) {
      expect(ref.startsWith('#/')).toBe(true);
      let target: any = doc;
      for (const part of ref.slice(2).split('/')) target = target?.[part.replaceAll('~1', '/').replaceAll('~0', '~')];
      expect({ ref, resolves: target !== undefined }).toEqual({ ref, resolves: true });
    }
  });
});

describe('/swagger', () => {
  test('serves Swagger UI HTML that loads only local assets, and those assets are served', async () => {
    const api = await client();
    const reply = await api.get('/swagger');
    expect(reply.status).toBe(200);
    expect(reply.headers.get('content-type') ?? '').toContain('text/html');
    const html = reply.text;
    const assets = [...html.matchAll(/<(?:script|link|img)\b[^>]*?\b(?:src|href)\s*=\s*["']([^"']+)["']/gi)].map((match) => match[1]!);
    expect(assets.length).toBeGreaterThanOrEqual(2);
    for (const asset of assets) expect(asset).toMatch(/^\/swagger\/assets\//);
    // No CDN anywhere: the UI must work without internet.
    expect(html).not.toMatch(/\b(?:src|href)\s*=\s*["']?(?:https?:)?\/\//i);
    expect(html).not.toMatch(/cdn\.jsdelivr|unpkg\.com|cdnjs/i);
    expect(html).toContain('swagger/json');
    for (const asset of assets) {
      const served = await api.get(asset);
      expect({ asset, status: served.status }).toEqual({ asset, status: 200 });
      expect(served.text.length).toBeGreaterThan(1000);
    }
  });

  test.each(['/swagger', '/swagger/'])('the UI served at %s points at a document URL that resolves', async (page) => {
    const api = await client();
    const reply = await api.get(page);
    // Serving the page at this path is optional; serving it with a document it cannot load is not.
    if (reply.status !== 200 || !(reply.headers.get('content-type') ?? '').includes('text/html')) return;
    const specUrl = /"url"\s*:\s*"([^"]+)"/.exec(reply.text)?.[1];
    expect(specUrl).toBeDefined();
    const resolved = new URL(specUrl!, `${api.baseUrl}${page}`);
    const spec = await api.get(resolved.pathname + resolved.search);
    expect({ page, resolved: resolved.pathname, status: spec.status }).toEqual({ page, resolved: resolved.pathname, status: 200 });
    expect(spec.body.openapi).toMatch(/^3\.1\.\d+$/);
  });

  test('unknown swagger assets answer 404', async () => {
    const reply = await (await client()).get('/swagger/assets/..%2f..%2fpackage.json');
    expect(reply.status).toBe(404);
    expect(reply.text).not.toContain('"dependencies"');
    const other = await (await client()).get('/swagger/assets/index.html');
    expect(other.status).toBe(404);
  });
});
