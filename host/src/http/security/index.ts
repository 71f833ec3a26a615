export { cspNonce, hostCheck, pageWithNonce, requireToken, sameOriginForActions, securityHeaders } from './doors.js';
export { Gatekeeper, FAILURES_PER_WINDOW, FAILURE_WINDOW_S } from './gatekeeper.js';
export { hostPolicy, isLoopbackBinding } from './host-names.js';
export { TOKEN_COOKIE } from './presented-token.js';
export { dropRotatedSockets, socketAdmission } from './socket-guard.js';
