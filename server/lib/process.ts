/**
 * `bun run start` launches the server and workers as children. A SIGKILL of the parent is not forwarded, so each
 * child watches its parent and leaves when it is gone (no orphan keeps the port). Only active when LYCEUM_SUPERVISED=1.
 */
export function exitWithParent(supervised: boolean, onOrphaned: () => void): void {
  if (!supervised) return;
  const parent = process.ppid;
  const timer = setInterval(() => {
    let alive = true;
    try {
      process.kill(parent, 0);
    } catch {
      alive = false;
    }
    if (!alive || process.ppid !== parent) {
      clearInterval(timer);
      onOrphaned();
      setTimeout(() => process.exit(1), 5000).unref();
    }
  }, 500);
  timer.unref();
}
