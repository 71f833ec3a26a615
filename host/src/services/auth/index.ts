export { AccessToken, sameToken } from './access-token.js';
export { loadOrCreateToken, newToken, readTokenFile, tokenPath, writeTokenFile, TOKEN_FILE } from './token-file.js';
