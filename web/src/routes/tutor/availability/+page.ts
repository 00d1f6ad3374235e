import { api } from '#lib/api.ts';
import { failLoad, requireUser } from '#lib/guards.ts';
import type { Availability } from '#lib/marketplace.ts';
import { error } from '@sveltejs/kit';
import type { PageLoad } from './$types';

export const load: PageLoad = async ({ fetch, url }) => {
	const user = await requireUser({ fetch, url });
	if (user.role !== 'tutor') error(403, 'This page is for tutors.');
	try {
		return { user, availability: await api.get<Availability>('/tutors/me/availability', { fetch }) };
	} catch (err) {
		failLoad(err, url);
	}
};
