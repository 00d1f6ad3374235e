import { api } from '#lib/api.ts';
import type { ConversationSummary } from '#lib/chat.svelte.ts';
import { failLoad, requireUser } from '#lib/guards.ts';
import type { PageLoad } from './$types';

export const load: PageLoad = async ({ fetch, url }) => {
	const user = await requireUser({ fetch, url });
	try {
		const page = await api.get<{ items: ConversationSummary[]; nextCursor: string | null }>('/conversations?limit=50', { fetch });
		return { user, conversations: page.items, nextCursor: page.nextCursor };
	} catch (err) {
		failLoad(err, url);
	}
};
