export { api, ApiClient, ApiError, CSRF_HEADER, errorFromBody, statusMessage } from './client'
export type { ApiClientOptions, HttpMethod, RequestOptions, UploadOptions } from './client'
export type * from './contract'
