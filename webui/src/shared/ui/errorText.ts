import { useI18n } from 'vue-i18n'
import { ApiError } from '../api/client'
import { codeForStatus } from '../api/errorCodes'

type Translate = (key: string, values?: Record<string, unknown>) => string

/**
 * One sentence for an error, in the active language. API errors are translated by their code;
 * a code this UI does not know yet falls back to its status's generic sentence, except in
 * English, where the server's own (English) words are the most precise thing to show.
 */
export function errorSentence(error: unknown, t: Translate, te: (key: string) => boolean, locale: string): string {
  if (error instanceof ApiError) {
    if (error.isNetwork) return t('errors.network')
    if (te(`apiErrors.${error.code}`)) return t(`apiErrors.${error.code}`)
    if (error.fromServer && locale === 'en') return error.message
    const generic = codeForStatus(error.status)
    if (te(`apiErrors.${generic}`)) return t(`apiErrors.${generic}`)
    return t('errors.status', { status: error.status })
  }
  if (error instanceof Error) return t('errors.unexpected', { message: error.message })
  return t('errors.unexpected', { message: String(error) })
}

/** Turns anything thrown into one sentence a person can read, in the active language. */
export function useErrorText() {
  const { t, te, locale } = useI18n()
  return (error: unknown): string => errorSentence(error, t as Translate, (key) => te(key), locale.value)
}
