// The app renders in the browser and talks to the JSON API with the session cookie.
export const ssr = false;
export const prerender = false;
