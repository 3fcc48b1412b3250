// The demo chat (docs/demo-protocol.md, "Messages"), framework-free: rooms and the frames the
// server sends. Generic over the socket type, so each sample keeps its own sockets.

/** `room` of `join` and `chat`: 1 to 32 of `[a-z0-9_-]`. */
export const ROOM_PATTERN = '^[a-z0-9_-]{1,32}$';
/** Longest `text` of `chat` and `announce`, in characters (the shortest is 1). */
export const MAX_TEXT_LENGTH = 2_000;

/** A refusal that keeps the socket open: the sample sends it as an error frame. */
export interface ChatRefusal {
  readonly ok: false;
  readonly code: 'NOT_IN_ROOM' | 'TOO_MANY_ROOMS';
  readonly message: string;
}

/** Result of {@link ChatRooms.join}. */
export type JoinResult =
  { readonly ok: true; readonly reply: { type: 'joined'; room: string } } | ChatRefusal;

/** A chat frame, as every member of the room receives it. */
export interface ChatFrame {
  readonly type: 'chat';
  readonly room: string;
  readonly from: string;
  readonly text: string;
  readonly at: number;
}

/** Result of {@link ChatRooms.chat}: the frame and who gets it, or `NOT_IN_ROOM`. */
export type ChatResult<S> =
  { readonly ok: true; readonly frame: ChatFrame; readonly recipients: readonly S[] } | ChatRefusal;

/** The welcome frame of a new socket. */
export function welcomeFrame(
  user: string,
  roles: readonly string[],
): { type: 'welcome'; user: string; roles: string[] } {
  return { type: 'welcome', user, roles: [...roles] };
}

/** The answer to `whoami`. */
export function whoamiFrame(
  user: string,
  roles: readonly string[],
): { type: 'whoami'; user: string; roles: string[] } {
  return { type: 'whoami', user, roles: [...roles] };
}

/** An `announce` frame, as every open socket receives it. */
export function announceFrame(from: string, text: string): { type: 'announce'; from: string; text: string } {
  return { type: 'announce', from, text };
}

/**
 * A frame as the payload of a Socket.IO event or acknowledgement: the same fields without
 * `type`, which Socket.IO carries as the event's name (docs/demo-protocol.md, "Socket.IO mapping").
 */
export function eventData<F extends { readonly type: string }>(frame: F): Omit<F, 'type'> {
  const { type: _type, ...data } = frame;
  return data;
}

/**
 * Which sockets joined which room. A socket joins at most `maxRoomsPerSocket` rooms (joining one
 * it is in again always succeeds); the sample calls {@link ChatRooms.leaveAll} when a socket closes.
 */
export class ChatRooms<S> {
  private readonly members = new Map<string, Set<S>>();
  private readonly roomsOf = new Map<S, Set<string>>();

  constructor(private readonly maxRoomsPerSocket: number) {}

  /** `join`: the `joined` reply, or `TOO_MANY_ROOMS` past the cap. */
  join(socket: S, room: string): JoinResult {
    let rooms = this.roomsOf.get(socket);
    if (rooms?.has(room) !== true && (rooms?.size ?? 0) >= this.maxRoomsPerSocket)
      return {
        ok: false,
        code: 'TOO_MANY_ROOMS',
        message: `a socket joins at most ${this.maxRoomsPerSocket} rooms`,
      };
    if (rooms === undefined) {
      rooms = new Set();
      this.roomsOf.set(socket, rooms);
    }
    rooms.add(room);
    let sockets = this.members.get(room);
    if (sockets === undefined) {
      sockets = new Set();
      this.members.set(room, sockets);
    }
    sockets.add(socket);
    return { ok: true, reply: { type: 'joined', room } };
  }

  /** `chat`: the frame for every member of `room` (sender included), or `NOT_IN_ROOM`. */
  chat(socket: S, from: string, room: string, text: string): ChatResult<S> {
    const sockets = this.members.get(room);
    if (sockets?.has(socket) !== true)
      return { ok: false, code: 'NOT_IN_ROOM', message: 'join the room first' };
    return { ok: true, frame: { type: 'chat', room, from, text, at: Date.now() }, recipients: [...sockets] };
  }

  /** Removes a closed socket from every room it joined. */
  leaveAll(socket: S): void {
    for (const room of this.roomsOf.get(socket) ?? []) {
      const sockets = this.members.get(room);
      sockets?.delete(socket);
      if (sockets?.size === 0) this.members.delete(room);
    }
    this.roomsOf.delete(socket);
  }
}
