import { error } from '@sveltejs/kit';
import { api } from '#lib/api.ts';
import { failLoad, requireUser } from '#lib/guards.ts';
import type { TutorProfile } from '#lib/tutors.ts';
import type { PageLoad } from './$types';

export const load: PageLoad = async ({ url, fetch }) => {
	const user = await requireUser({ url, fetch });
	if (user.role !== 'tutor') error(403, 'Only tutors have an onboarding page. Sign in with your tutor account.');
	try {
		// Creates the draft profile on the first visit.
		const profile = await api.get<TutorProfile>('/tutors/me', { fetch });
		return { user, profile };
	} catch (err) {
		failLoad(err, url);
	}
};
