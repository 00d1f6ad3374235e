import { api } from '#lib/api.ts';
import { failLoad, requireUser } from '#lib/guards.ts';
import type { Page, SessionInfo } from '#lib/security.ts';
import type { PageLoad } from './$types';

export const load: PageLoad = async ({ fetch, url }) => {
	const user = await requireUser({ fetch, url });
	try {
		const sessions = await api.get<Page<SessionInfo>>('/me/sessions?limit=100', { fetch });
		return { user, sessions: sessions.items };
	} catch (err) {
		failLoad(err, url);
	}
};
