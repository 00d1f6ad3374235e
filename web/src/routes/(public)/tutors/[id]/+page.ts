import { api } from '#lib/api.ts';
import { failLoad } from '#lib/guards.ts';
import type { PublicTutor } from '#lib/tutors.ts';
import type { PageLoad } from './$types';

export const load: PageLoad = async ({ params, url, fetch }) => {
	try {
		return { tutor: await api.get<PublicTutor>(`/tutors/${encodeURIComponent(params.id)}`, { fetch }) };
	} catch (err) {
		failLoad(err, url);
	}
};
