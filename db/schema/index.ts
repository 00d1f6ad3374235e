export * from './accounts.ts';
export * from './notifications.ts';
export * from './outbox.ts';
export * from './security.ts';
export * from './tutors.ts';
