// What the chat widget and the agent console share about talking to Gridline
// over a WebSocket: a socket that reconnects with backoff, the client ids that
// make a resent message count once, and a Thread — one conversation's last seen
// seq (where a resume starts) and the frames sent but not yet acked. The pages
// decide what a frame means; this module only keeps the line up and nothing
// the user typed lost.

/** newClientID makes the idempotency key of one outgoing message. */
export function newClientID() {
  if (crypto.randomUUID) return crypto.randomUUID();
  return Array.from(crypto.getRandomValues(new Uint8Array(16)), (x) => x.toString(16).padStart(2, '0')).join('');
}

/**
 * retryDelay is how long to wait before reconnect attempt number attempt (0
 * first): exponential backoff with full jitter, capped at 30 s, so a restarted
 * server is not hit by every client at the same instant.
 */
export function retryDelay(attempt, random = Math.random) {
  const cap = Math.min(30000, 500 * 2 ** Math.min(attempt, 10));
  return 250 + random() * cap;
}

const CONNECTING = 'connecting'; // url() is still being asked

/**
 * Socket is a WebSocket that comes back: when it closes it reconnects after
 * retryDelay, until stop. A 'welcome' frame (the server took us) starts the
 * backoff over.
 */
export class Socket {
  /**
   * @param {object} o
   * @param {() => string | Promise<string>} o.url the address, asked before every
   *   attempt (the widget renews its session there); a throw is a failed attempt.
   * @param {(frame: object) => void} o.onFrame each frame received, parsed.
   * @param {() => void} [o.onOpen] the socket is open: say hello, resend the outboxes.
   * @param {(e: CloseEvent, opened: boolean) => void} [o.onClose] a socket closed
   *   (not for restart); opened tells whether it ever opened.
   * @param {() => void} [o.onRetry] a reconnect is scheduled; attempt counts it.
   * @param {boolean} [o.waitOnline] after a failure, do not retry while the
   *   browser says it is offline; reconnectNow on 'online' resumes.
   */
  constructor({ url, onFrame, onOpen, onClose, onRetry, waitOnline = false }) {
    Object.assign(this, { url, onFrame, onOpen, onClose, onRetry, waitOnline });
    this.ws = null; // null, CONNECTING or the WebSocket
    this.attempt = 0;
    this.timer = 0;
    this.moving = false;
    this.stopped = false;
  }

  /** idle is true when there is no socket and none on its way. */
  get idle() { return !this.ws; }

  /** open is true when frames can be sent now. */
  get open() { return !!this.ws && this.ws !== CONNECTING && this.ws.readyState === WebSocket.OPEN; }

  /** connect opens the socket unless one is open or on its way. */
  async connect() {
    if (this.ws || this.stopped || (this.waitOnline && !navigator.onLine && this.attempt > 0)) return;
    clearTimeout(this.timer);
    this.timer = 0;
    this.ws = CONNECTING;
    let url;
    try {
      url = await this.url();
    } catch {
      this.ws = null;
      this.retry();
      return;
    }
    if (this.stopped) { this.ws = null; return; }
    const sock = new WebSocket(url);
    this.ws = sock;
    let opened = false;
    sock.onopen = () => {
      opened = true;
      if (this.onOpen) this.onOpen();
    };
    sock.onmessage = (e) => {
      let f;
      try { f = JSON.parse(e.data); } catch { return; }
      if (f.type === 'welcome') this.attempt = 0;
      this.onFrame(f);
    };
    sock.onclose = (e) => {
      if (this.ws === sock) this.ws = null;
      if (this.moving) { this.moving = false; this.connect(); return; } // restart: at once
      if (this.onClose) this.onClose(e, opened);
      this.retry();
    };
  }

  /** retry schedules the next attempt, unless one is scheduled or stop was called. */
  retry() {
    if (this.timer || this.stopped) return;
    const delay = retryDelay(this.attempt);
    this.attempt++;
    if (this.onRetry) this.onRetry();
    this.timer = setTimeout(() => { this.timer = 0; this.connect(); }, delay);
  }

  /** reconnectNow skips the wait when the socket is down (the network came back). */
  reconnectNow() {
    if (this.ws) return;
    clearTimeout(this.timer);
    this.timer = 0;
    this.connect();
  }

  /** restart closes an open socket and connects again at once, without backoff. */
  restart() {
    if (this.ws && this.ws !== CONNECTING) { this.moving = true; this.ws.close(); }
  }

  /** send sends a frame if the socket is open; it reports whether it did. */
  send(frame) {
    if (!this.open) return false;
    this.ws.send(JSON.stringify(frame));
    return true;
  }

  /** stop closes the socket for good (until start). */
  stop() {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = 0;
    if (this.ws && this.ws !== CONNECTING) this.ws.close();
  }

  /** start allows connecting again after stop, and connects. */
  start() {
    this.stopped = false;
    this.connect();
  }
}

/**
 * Thread is one conversation as a client follows it. Its state — {lastSeq,
 * outbox} — is a plain object changed in place, so a page can keep it in
 * localStorage as it is.
 */
export class Thread {
  constructor(state = { lastSeq: 0, outbox: [] }) {
    if (!Array.isArray(state.outbox)) state.outbox = [];
    if (!state.lastSeq) state.lastSeq = 0;
    this.state = state;
  }

  /** lastSeq is the seq of the last message seen: a resume asks for what follows. */
  get lastSeq() { return this.state.lastSeq; }

  /** outbox holds the frames sent and not yet acked, oldest first. */
  get outbox() { return this.state.outbox; }

  /** seen records a message's seq. */
  seen(seq) {
    if (seq > this.state.lastSeq) this.state.lastSeq = seq;
  }

  /** restart forgets the place: a new conversation's seqs start again at 1. */
  restart() { this.state.lastSeq = 0; }

  /** queue gives frame a new client id and keeps it until acked. */
  queue(frame) {
    frame.client_id = newClientID();
    this.state.outbox.push(frame);
    return frame;
  }

  /** pending returns the unacked frame with this client id, if any. */
  pending(clientID) {
    return this.state.outbox.find((f) => f.client_id === clientID);
  }

  /** acked drops the frame with this client id (acked, echoed or refused) and returns it. */
  acked(clientID) {
    const i = this.state.outbox.findIndex((f) => f.client_id === clientID);
    return i < 0 ? undefined : this.state.outbox.splice(i, 1)[0];
  }

  /** resend sends every unacked frame again, with its own client id. */
  resend(send) {
    for (const f of this.state.outbox) send(f);
  }
}
