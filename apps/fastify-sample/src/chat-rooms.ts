import type { WebSocket } from 'ws';

/** Which sockets joined which room, for the demo chat. Sockets leave all rooms on close. */
export class ChatRooms {
  private readonly members = new Map<string, Set<WebSocket>>();
  private readonly roomsOf = new WeakMap<WebSocket, Set<string>>();

  join(room: string, socket: WebSocket): void {
    let sockets = this.members.get(room);
    if (sockets === undefined) {
      sockets = new Set();
      this.members.set(room, sockets);
    }
    sockets.add(socket);
    let rooms = this.roomsOf.get(socket);
    if (rooms === undefined) {
      rooms = new Set();
      this.roomsOf.set(socket, rooms);
      socket.once('close', () => this.leaveAll(socket));
    }
    rooms.add(room);
  }

  isMember(room: string, socket: WebSocket): boolean {
    return this.members.get(room)?.has(socket) ?? false;
  }

  socketsIn(room: string): readonly WebSocket[] {
    return [...(this.members.get(room) ?? [])];
  }

  private leaveAll(socket: WebSocket): void {
    for (const room of this.roomsOf.get(socket) ?? []) {
      const sockets = this.members.get(room);
      sockets?.delete(socket);
      if (sockets?.size === 0) this.members.delete(room);
    }
    this.roomsOf.delete(socket);
  }
}
