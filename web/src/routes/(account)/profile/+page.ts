import { error, redirect } from '@sveltejs/kit';
import { api, ApiError, type User } from '#lib/api.ts';
import { session } from '#lib/session.svelte.ts';
import type { PageLoad } from './$types';

export const load: PageLoad = async ({ url, fetch }) => {
	try {
		// Always ask the server: the cookie may have expired or been revoked since the app loaded.
		const user = await api.get<User>('/me', { fetch });
		session.set(user);
		return { user };
	} catch (err) {
		if (err instanceof ApiError && err.status === 401) {
			session.clear();
			redirect(307, `/login?next=${encodeURIComponent(url.pathname)}`);
		}
		if (err instanceof ApiError) error(err.status >= 400 ? err.status : 503, err.message);
		throw err;
	}
};
