import type { IncomingMessage } from 'node:http';
import type { Server as SocketServer } from 'socket.io';
import { errorPayload } from '../../services/error-payload.js';
import type { Gatekeeper } from './gatekeeper.js';
import type { PresentedToken } from './presented-token.js';
import { crossOriginReason } from './same-origin.js';

/** Where the handshake's admitted token is kept, for the rotation check later. */
const ADMITTED = Symbol('esp32cam.admittedToken');

type AdmittedRequest = IncomingMessage & { [ADMITTED]?: PresentedToken };

/**
 * engine.io's `allowRequest`: the same doors as HTTP, at the handshake (and on every polling request), so a
 * socket that fails them never exists and gets no event, least of all the console. Every socket.io event
 * that acts is therefore same-origin and, off loopback, authenticated.
 */
export function socketAdmission(allowsHost: (host: string | undefined) => boolean, gate: Gatekeeper) {
  return (req: IncomingMessage, callback: (err: string | null | undefined, success: boolean) => void): void => {
    if (!allowsHost(req.headers.host)) {
      callback('E_FOREIGN_HOST: this service does not answer for that host name', false);
      return;
    }
    const reason = crossOriginReason(req);
    if (reason !== undefined) {
      callback(`E_CROSS_ORIGIN: ${reason}`, false);
      return;
    }
    gate.admit(req).then(
      (admission) => {
        if (admission.ok) {
          (req as AdmittedRequest)[ADMITTED] = admission.token;
          callback(null, true);
        } else {
          const { code, message } = errorPayload(admission.error);
          callback(`${code}: ${message}`, false);
        }
      },
      () => callback('E_INTERNAL: the handshake could not be checked', false),
    );
  };
}

/** After a rotation, every socket that came in with the old token is disconnected. */
export function dropRotatedSockets(io: SocketServer, gate: Gatekeeper): void {
  gate.access?.on('rotated', () => {
    for (const socket of io.of('/').sockets.values()) {
      const token = (socket.request as AdmittedRequest)[ADMITTED];
      if (!gate.stillValid(token)) socket.disconnect(true);
    }
  });
}
