// The generic error code of an HTTP status, as the server names it (kek::status_error_code in
// include/kek/error.h): what an answer without its own code, or without a JSON body, means.
export function codeForStatus(status: number): string {
  switch (status) {
    case 400: return 'bad_request'
    case 401: return 'sign_in_required'
    case 403: return 'forbidden'
    case 404: return 'not_found'
    case 405: return 'method_not_allowed'
    case 409: return 'conflict'
    case 410: return 'gone'
    case 413: return 'too_large'
    case 415: return 'unsupported_media_type'
    case 416: return 'range_not_satisfiable'
    case 422: return 'unprocessable'
    case 429: return 'rate_limited'
    case 501: return 'not_implemented'
    case 502:
    case 503:
    case 504: return 'unavailable'
    default: return status >= 500 ? 'internal' : status >= 400 ? 'bad_request' : 'error'
  }
}
