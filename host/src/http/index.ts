export { serveHttp, type HttpService } from './server.js';
export { httpStatusOf } from './error-responses.js';
export { photoJson, type PhotoJson } from './photo-json.js';
