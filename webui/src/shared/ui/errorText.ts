import { useI18n } from 'vue-i18n'
import { ApiError } from '../api/client'

/** Turns anything thrown into one sentence a person can read, in the active language. */
export function useErrorText() {
  const { t } = useI18n()
  return (error: unknown): string => {
    if (error instanceof ApiError) {
      if (error.isNetwork) return t('errors.network')
      // The server's own {"error": "..."} words are the most precise thing we can show.
      if (error.fromServer) return error.message
      return `${error.message}. ${t('errors.status', { status: error.status })}`
    }
    if (error instanceof Error) return t('errors.unexpected', { message: error.message })
    return t('errors.unexpected', { message: String(error) })
  }
}
