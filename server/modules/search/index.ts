import { Elysia } from 'elysia';
import { PUBLIC, errors } from '../../schemas.ts';
import * as model from './model.ts';
import * as service from './service.ts';

export const searchRoutes = new Elysia({ name: 'search' })
  .get('/tutors', ({ query }) => service.searchTutors({ ...query, limit: query.limit ?? 20 }), {
    query: model.SearchQuery,
    response: { 200: model.TutorSummaryList, ...errors(400) },
    detail: {
      summary: 'Search approved tutors',
      description:
        'Filters: `subject` (exact, case-insensitive), `q` (name, headline, bio, subjects; typo-tolerant, ranked by relevance), `minRate`/`maxRate` ' +
        '(minor units of `currency`, default USD; other currencies are excluded), `country`, `city`, `language`, `minRating`, `online`, `inPerson`, and ' +
        '`availableFrom`/`availableTo` (at least one free slot of `duration` minutes, default 30, starting in that window). Sort: `relevance` (default ' +
        'with `q`), `rating` (default otherwise), `price_asc`, `price_desc`; ties are broken by id, so cursors never repeat or skip.',
      tags: ['Tutors'],
      security: PUBLIC,
    },
  })
  .get('/subjects', ({ query }) => service.listSubjects({ q: query.q, limit: query.limit }), {
    query: model.SubjectsQuery,
    response: { 200: model.SubjectList, ...errors(400) },
    detail: {
      summary: 'Subjects for autocomplete',
      description: 'Subjects taught by approved tutors with how many teach each, most taught first; `q` matches a part of the name (prefix matches first, typos tolerated).',
      tags: ['Tutors'],
      security: PUBLIC,
    },
  });
