/** The ceiling: a bare Elysia route with no middleware, database or Redis. */
import { Elysia } from 'elysia';

const port = Number(process.argv[2] ?? 0);
const app = new Elysia().get('/bare', () => ({ id: 'x', email: 'bare@example.test', name: 'Bare' })).listen({ port, hostname: '127.0.0.1' });
console.log(`ready ${app.server!.port}`);
