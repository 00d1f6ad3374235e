// The chat connection of this tab: one WebSocket for every conversation (and notifications), reconnecting by
// itself. After a reconnect each open conversation is joined again from the last seq shown, so the server replays
// exactly what was missed; messages are kept by seq, so nothing shows twice. Sends are optimistic: a message shows
// at once with its clientId and is retried (same clientId, so never stored twice) until the server acks it.
import { api, ApiError } from './api.ts';

export interface Message {
	id: string;
	conversationId: string;
	seq: number;
	senderId: string | null;
	clientId: string;
	kind: 'text' | 'system';
	body: string;
	sentAt: string;
}

export interface Participant {
	id: string;
	name: string;
	role: 'student' | 'tutor' | 'admin';
}

export interface ConversationSummary {
	id: string;
	kind: 'direct' | 'course';
	title: string | null;
	participants: Participant[];
	lastMessage: Message | null;
	unreadCount: number;
}

export interface Outgoing {
	clientId: string;
	body: string;
	createdAt: string;
	status: 'sending' | 'failed';
	error: string | null;
}

export type ConnectionState = 'connecting' | 'open' | 'offline';

export const MAX_MESSAGE_CHARS = 4000;

/** Live state of one conversation on this page. */
export class ConversationState {
	readonly id: string;
	/** Confirmed messages by seq, ascending. */
	messages = $state<Message[]>([]);
	/** Sent but not acked yet, in the order they were written. */
	outgoing = $state<Outgoing[]>([]);
	typing = $state<Record<string, number>>({});
	/** Read cursor of each member (from read receipts). */
	readBy = $state<Record<string, number>>({});
	online = $state<Record<string, boolean>>({});
	/** True while older history may exist above the first loaded message. */
	hasOlder = $state(true);
	joined = false;

	constructor(id: string) {
		this.id = id;
	}

	get lastSeq(): number {
		return this.messages.length > 0 ? this.messages[this.messages.length - 1]!.seq : 0;
	}

	/** Adds confirmed messages; a seq already here is ignored (replays and acks may overlap). */
	merge(incoming: Message[]): void {
		if (incoming.length === 0) return;
		const bySeq = new Map(this.messages.map((message) => [message.seq, message]));
		let changed = false;
		for (const message of incoming) {
			if (message.conversationId !== this.id || bySeq.has(message.seq)) continue;
			bySeq.set(message.seq, message);
			changed = true;
		}
		if (!changed) return;
		this.messages = [...bySeq.values()].sort((a, b) => a.seq - b.seq);
		const confirmed = new Set(incoming.map((message) => message.clientId));
		this.outgoing = this.outgoing.filter((item) => !confirmed.has(item.clientId));
	}
}

type Listener = (frame: Record<string, any>) => void;

class ChatConnection {
	state = $state<ConnectionState>('offline');
	#ws: WebSocket | null = null;
	#conversations = new Map<string, ConversationState>();
	#listeners = new Set<Listener>();
	#retries = 0;
	#reconnectTimer: ReturnType<typeof setTimeout> | null = null;
	#pingTimer: ReturnType<typeof setInterval> | null = null;
	#wanted = false;
	#watched = new Set<string>();
	/** Sends waiting for their ack: resent after every (re)join, with the same clientId. */
	#unacked = new Map<string, { conversationId: string; body: string; attempts: number }>();

	/** Opens the socket if needed; safe to call from every page. */
	start(): void {
		this.#wanted = true;
		this.#listenToNetwork();
		if (this.#ws || this.#reconnectTimer) return;
		void this.#connect();
	}

	#networkListeners = false;
	#lastPong = 0;

	// The browser knows before TCP does: drop the socket when it goes offline, reconnect as soon as it is back.
	#listenToNetwork(): void {
		if (this.#networkListeners || typeof window === 'undefined') return;
		this.#networkListeners = true;
		window.addEventListener('offline', () => {
			const ws = this.#ws;
			this.#ws = null;
			ws?.close(4000, 'offline');
			this.#dropped();
		});
		window.addEventListener('online', () => {
			if (!this.#wanted) return;
			if (this.#reconnectTimer) clearTimeout(this.#reconnectTimer);
			this.#reconnectTimer = null;
			this.#retries = 0;
			if (!this.#ws) void this.#connect();
		});
	}

	#dropped(): void {
		if (this.#pingTimer) clearInterval(this.#pingTimer);
		this.#pingTimer = null;
		this.state = 'offline';
		if (this.#wanted) this.#scheduleReconnect();
	}

	stop(): void {
		this.#wanted = false;
		if (this.#reconnectTimer) clearTimeout(this.#reconnectTimer);
		this.#reconnectTimer = null;
		this.#ws?.close(1000, 'bye');
		this.#ws = null;
		this.state = 'offline';
	}

	subscribe(listener: Listener): () => void {
		this.#listeners.add(listener);
		return () => this.#listeners.delete(listener);
	}

	/** The live state of a conversation; joins it (replaying from what is already loaded). */
	open(conversationId: string): ConversationState {
		let conversation = this.#conversations.get(conversationId);
		if (!conversation) {
			conversation = new ConversationState(conversationId);
			this.#conversations.set(conversationId, conversation);
		}
		this.start();
		return conversation;
	}

	/** Joins after the first page of history is loaded, so the replay starts where it ends. */
	join(conversation: ConversationState): void {
		conversation.joined = true;
		this.#send({ type: 'join', conversationId: conversation.id, sinceSeq: conversation.lastSeq });
	}

	/** Joins for live updates only (the inbox): no replay; joined again after a reconnect. */
	watch(conversationId: string): void {
		this.#watched.add(conversationId);
		this.start();
		this.#send({ type: 'join', conversationId });
	}

	leave(conversationId: string): void {
		const conversation = this.#conversations.get(conversationId);
		if (conversation) conversation.joined = false;
		this.#watched.delete(conversationId);
		this.#send({ type: 'leave', conversationId });
	}

	sendMessage(conversation: ConversationState, body: string): void {
		const clientId = crypto.randomUUID();
		conversation.outgoing = [...conversation.outgoing, { clientId, body, createdAt: new Date().toISOString(), status: 'sending', error: null }];
		this.#unacked.set(clientId, { conversationId: conversation.id, body, attempts: 0 });
		this.#transmit(clientId);
	}

	retry(conversation: ConversationState, clientId: string): void {
		const item = conversation.outgoing.find((outgoing) => outgoing.clientId === clientId);
		if (!item) return;
		conversation.outgoing = conversation.outgoing.map((outgoing) => (outgoing.clientId === clientId ? { ...outgoing, status: 'sending', error: null } : outgoing));
		this.#unacked.set(clientId, { conversationId: conversation.id, body: item.body, attempts: 0 });
		this.#transmit(clientId);
	}

	typing(conversationId: string): void {
		this.#send({ type: 'typing', conversationId });
	}

	read(conversationId: string, seq: number): void {
		this.#send({ type: 'read', conversationId, seq });
	}

	#transmit(clientId: string): void {
		const pending = this.#unacked.get(clientId);
		if (!pending) return;
		pending.attempts += 1;
		this.#send({ type: 'send', conversationId: pending.conversationId, clientId, body: pending.body });
	}

	#send(frame: Record<string, unknown>): boolean {
		if (this.#ws?.readyState !== WebSocket.OPEN) return false;
		this.#ws.send(JSON.stringify(frame));
		return true;
	}

	async #connect(): Promise<void> {
		this.state = 'connecting';
		let ticket: string;
		try {
			ticket = (await api.post<{ ticket: string }>('/ws/ticket')).ticket;
		} catch (err) {
			if (err instanceof ApiError && err.status === 401) {
				this.state = 'offline';
				this.#wanted = false;
				return;
			}
			this.#scheduleReconnect();
			return;
		}
		const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
		const ws = new WebSocket(`${scheme}//${location.host}/api/v1/ws?ticket=${encodeURIComponent(ticket)}`);
		this.#ws = ws;
		ws.onopen = () => {
			this.state = 'open';
			this.#retries = 0;
			// Rejoin every conversation from the last seq shown: the server replays what was missed, once, in order.
			for (const conversation of this.#conversations.values()) {
				if (conversation.joined) this.#send({ type: 'join', conversationId: conversation.id, sinceSeq: conversation.lastSeq });
			}
			for (const conversationId of this.#watched) {
				if (!this.#conversations.get(conversationId)?.joined) this.#send({ type: 'join', conversationId });
			}
			// Heartbeat: a connection that stops answering pings is dead even if TCP has not noticed.
			this.#lastPong = Date.now();
			this.#pingTimer = setInterval(() => {
				if (Date.now() - this.#lastPong > 45_000) {
					this.#ws = null;
					ws.close(4000, 'no pong');
					this.#dropped();
					return;
				}
				this.#send({ type: 'ping' });
			}, 20_000);
		};
		ws.onmessage = (event) => {
			let frame: Record<string, any>;
			try {
				frame = JSON.parse(String(event.data));
			} catch {
				return;
			}
			this.#onFrame(frame);
		};
		ws.onclose = () => {
			if (this.#ws !== ws) return;
			this.#ws = null;
			this.#dropped();
		};
	}

	#scheduleReconnect(): void {
		this.state = 'offline';
		if (this.#reconnectTimer || !this.#wanted) return;
		// Exponential backoff with jitter, at most 10 s.
		const delay = Math.min(10_000, 250 * 2 ** this.#retries) * (0.5 + Math.random() / 2);
		this.#retries += 1;
		this.#reconnectTimer = setTimeout(() => {
			this.#reconnectTimer = null;
			void this.#connect();
		}, delay);
	}

	#onFrame(frame: Record<string, any>): void {
		this.#lastPong = Date.now();
		switch (frame.type) {
			case 'joined': {
				// Caught up: resend what was never acked in this conversation (the same clientId is stored once).
				for (const [clientId, pending] of this.#unacked) if (pending.conversationId === frame.conversationId) this.#transmit(clientId);
				break;
			}
			case 'message':
				this.#conversations.get(frame.message.conversationId)?.merge([frame.message]);
				break;
			case 'ack': {
				this.#unacked.delete(frame.clientId);
				this.#conversations.get(frame.message.conversationId)?.merge([frame.message]);
				break;
			}
			case 'typing': {
				const conversation = this.#conversations.get(frame.conversationId);
				if (conversation) conversation.typing = { ...conversation.typing, [frame.userId]: Date.now() };
				break;
			}
			case 'read': {
				const conversation = this.#conversations.get(frame.conversationId);
				if (conversation) conversation.readBy = { ...conversation.readBy, [frame.userId]: Math.max(conversation.readBy[frame.userId] ?? 0, frame.seq) };
				break;
			}
			case 'presence':
				for (const conversation of this.#conversations.values()) conversation.online = { ...conversation.online, [frame.userId]: frame.online };
				break;
			case 'error':
				this.#onError(frame);
				break;
		}
		for (const listener of this.#listeners) listener(frame);
	}

	#onError(frame: Record<string, any>): void {
		const pending = this.#unacked.get(frame.ref);
		if (!pending) return;
		const conversation = this.#conversations.get(pending.conversationId);
		const retryable = frame.code === 'rate_limited' || frame.code === 'unavailable' || frame.code === 'internal_error';
		if (retryable && pending.attempts < 8) {
			setTimeout(() => this.#transmit(frame.ref), Math.min(5_000, 300 * 2 ** pending.attempts));
			return;
		}
		this.#unacked.delete(frame.ref);
		if (conversation) {
			conversation.outgoing = conversation.outgoing.map((item) =>
				item.clientId === frame.ref ? { ...item, status: 'failed', error: typeof frame.message === 'string' ? frame.message : 'Not sent' } : item
			);
		}
	}
}

export const chat = new ChatConnection();

/** Display name of a conversation for the signed-in user. */
export function conversationName(conversation: { kind: string; title: string | null; participants: Participant[] }, meId: string | undefined): string {
	if (conversation.title) return conversation.title;
	const others = conversation.participants.filter((participant) => participant.id !== meId);
	return others.map((participant) => participant.name).join(', ') || 'Conversation';
}

export function formatTime(iso: string): string {
	const date = new Date(iso);
	const today = new Date();
	const sameDay = date.toDateString() === today.toDateString();
	return sameDay
		? date.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' })
		: date.toLocaleDateString(undefined, { month: 'short', day: 'numeric' }) + ' ' + date.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' });
}
