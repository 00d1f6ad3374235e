import adapter from '@sveltejs/adapter-node';
import { sveltekit } from '@sveltejs/kit/vite';
import tailwindcss from '@tailwindcss/vite';
import { defineConfig } from 'vite';

// The API (Bun + Elysia) runs separately in development; everything under /api and /swagger
// is proxied to it so the browser sees one origin and the session cookie just works.
const apiTarget = `http://127.0.0.1:${process.env.API_PORT ?? 3000}`;

export default defineConfig({
	plugins: [
		tailwindcss(),
		sveltekit({
			adapter: adapter({ out: 'build' })
		})
	],
	server: {
		proxy: {
			'/api': { target: apiTarget, changeOrigin: false, ws: true },
			'/swagger': { target: apiTarget, changeOrigin: false }
		}
	}
});
