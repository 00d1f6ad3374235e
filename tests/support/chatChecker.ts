/**
 * The chat guarantees as one check, used by the realtime tests:
 * - the stored history (a fresh GET) has seqs exactly 1..N;
 * - every acked message is in it, identical (id, seq, sender, clientId, body);
 * - every member's view (what its sockets received: message frames and its own acks) has every message once,
 *   in seq order, and equals the history from where that view started.
 * Returns the list of violations (empty when everything holds), so a failing test says what went wrong.
 */
export type View = { name: string; messages: any[]; fromSeq?: number };

const sameMessage = (a: any, b: any) =>
  a.id === b.id && a.seq === b.seq && a.senderId === b.senderId && a.clientId === b.clientId && a.body === b.body && a.conversationId === b.conversationId;

export function checkConversation(input: { history: any[]; acked: any[]; views: View[] }): string[] {
  const problems: string[] = [];
  const { history } = input;
  history.forEach((message, index) => {
    if (message.seq !== index + 1) problems.push(`history: position ${index} has seq ${message.seq}, expected ${index + 1}`);
  });
  const bySeq = new Map(history.map((message) => [message.seq, message]));
  const ids = new Set<string>();
  for (const message of history) {
    if (ids.has(message.id)) problems.push(`history: message ${message.id} appears twice`);
    ids.add(message.id);
  }
  const keys = new Set<string>();
  for (const message of history) {
    const key = `${message.senderId}/${message.clientId}`;
    if (keys.has(key)) problems.push(`history: clientId ${key} stored twice`);
    keys.add(key);
  }
  for (const acked of input.acked) {
    const stored = bySeq.get(acked.seq);
    if (!stored) problems.push(`acked message seq ${acked.seq} (${acked.clientId}) is missing from history`);
    else if (!sameMessage(stored, acked)) problems.push(`acked message seq ${acked.seq} differs from the stored one`);
  }
  for (const view of input.views) {
    const fromSeq = view.fromSeq ?? 0;
    const expected = history.filter((message) => message.seq > fromSeq);
    const seen = new Set<number>();
    let previous = fromSeq;
    for (const message of view.messages) {
      if (seen.has(message.seq)) problems.push(`${view.name}: seq ${message.seq} received twice`);
      else if (message.seq < previous) problems.push(`${view.name}: seq ${message.seq} received after ${previous} (out of order)`);
      seen.add(message.seq);
      previous = Math.max(previous, message.seq);
      const stored = bySeq.get(message.seq);
      if (!stored || !sameMessage(stored, message)) problems.push(`${view.name}: seq ${message.seq} differs from the stored message`);
    }
    const missing = expected.filter((message) => !seen.has(message.seq)).map((message) => message.seq);
    if (missing.length > 0) problems.push(`${view.name}: missing ${missing.length} messages (first seqs ${missing.slice(0, 10).join(', ')})`);
    if (problems.length > 50) break;
  }
  return problems;
}
