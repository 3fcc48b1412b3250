/** @wsgate/socket.io: under construction (issue 15). */
export const WSGATE_SOCKET_IO_PLACEHOLDER = true;
