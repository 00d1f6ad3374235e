import { api } from '#lib/api.ts';
import type { ConversationSummary, Message } from '#lib/chat.svelte.ts';
import { failLoad, requireUser } from '#lib/guards.ts';
import type { PageLoad } from './$types';

const PAGE_SIZE = 30;

export const load: PageLoad = async ({ fetch, url, params }) => {
	const user = await requireUser({ fetch, url });
	try {
		const id = encodeURIComponent(params.id);
		const [conversation, history] = await Promise.all([
			api.get<ConversationSummary & { readCursors: Record<string, number> }>(`/conversations/${id}`, { fetch }),
			api.get<{ items: Message[]; nextCursor: string | null }>(`/conversations/${id}/messages?limit=${PAGE_SIZE}`, { fetch })
		]);
		return { user, conversation, history };
	} catch (err) {
		failLoad(err, url);
	}
};
