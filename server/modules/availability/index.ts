import { Elysia } from 'elysia';
import { authPlugin } from '../../plugins/auth.ts';
import { AUTHENTICATED, PUBLIC, errors } from '../../schemas.ts';
import * as model from './model.ts';
import * as service from './service.ts';

const tags = ['Availability'];

export const availabilityRoutes = new Elysia({ name: 'availability' })
  .use(authPlugin)
  .get('/tutors/me/availability', ({ actor }) => service.getMine({ actor }), {
    auth: true,
    response: { 200: model.Availability, ...errors(401, 403) },
    detail: { summary: 'My weekly hours and date exceptions', description: 'Tutors only (403 otherwise). Empty lists until first saved.', tags, security: AUTHENTICATED },
  })
  .put('/tutors/me/availability', ({ actor, body }) => service.putMine({ actor, availability: body }), {
    auth: true,
    body: model.Availability,
    response: { 200: model.Availability, ...errors(400, 401, 403, 422) },
    detail: {
      summary: 'Replace my weekly hours and date exceptions',
      description:
        'Times are wall-clock "HH:MM" in `timezone` (an IANA zone); `end` may be 24:00. An exception without times takes the whole local date off; ' +
        'exceptions with times replace that date\'s weekly hours. 422 with `fields` for overlapping or inverted ranges and unknown zones. ' +
        'Existing bookings are not affected; approval status does not change.',
      tags,
      security: AUTHENTICATED,
    },
  })
  .get(
    '/tutors/:id/slots',
    ({ params, query }) => service.slots({ tutorId: params.id, from: query.from, to: query.to, durationMinutes: query.duration }),
    {
      params: model.TutorIdParams,
      query: model.SlotsQuery,
      response: { 200: model.Slots, ...errors(400, 404) },
      detail: {
        summary: "A tutor's free slots",
        description:
          'Slots of `duration` minutes starting in [`from`, `to`) (at most 31 days apart) on a 15-minute grid, computed in the tutor\'s zone (correct ' +
          'across daylight-saving changes), beyond the minimum notice (12 h), within the horizon (90 days), and free of active bookings. ' +
          '`timezone` is the tutor\'s zone. 404 unless the tutor is approved.',
        tags,
        security: PUBLIC,
      },
    },
  );
