'use client';
// One socket.io connection per tab, typed with lib/events. Exposed on window for the e2e "dropped socket"
// check and for debugging; reconnects on its own.
import { io, type Socket } from 'socket.io-client';
import type { ClientToServerEvents, ServerToClientEvents } from '../lib/events';

export type PwSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

let socket: PwSocket | null = null;

export function getSocket(): PwSocket {
  if (!socket) {
    socket = io({ reconnectionDelay: 300, reconnectionDelayMax: 2000 });
    (window as unknown as { __packetwalkSocket?: PwSocket }).__packetwalkSocket = socket;
  }
  return socket;
}
