import { describe, expect, it } from 'vitest'
import { ApiError, errorFromBody } from '../api/client'
import { createAppI18n } from '../i18n'
import { errorSentence } from './errorText'

function sentence(error: unknown, locale: 'en' | 'ru') {
  const { t, te } = createAppI18n(locale).global
  return errorSentence(error, (key, values) => t(key, values ?? {}), (key) => te(key, locale), locale)
}

describe('error text', () => {
  it('translates a known code, whatever the server wrote', () => {
    const taken = errorFromBody(409, '/api/auth/register', JSON.stringify({ error: "the user name 'ann' is taken", code: 'username_taken' }))
    expect(taken.code).toBe('username_taken')
    expect(sentence(taken, 'en')).toBe('This username is taken. Choose another.')
    expect(sentence(taken, 'ru')).toBe('Это имя уже занято. Выберите другое.')
  })

  it('never shows English server words on the Russian UI', () => {
    const unknown = errorFromBody(400, '/api/x', JSON.stringify({ error: 'the frobnicator is tired', code: 'frobnicator_tired' }))
    expect(sentence(unknown, 'en')).toBe('the frobnicator is tired')
    expect(sentence(unknown, 'ru')).toBe('Запрос не принят.')
    expect(sentence(unknown, 'ru')).not.toMatch(/[a-z]{4}/)
  })

  it('gives an error without a code (an old server, a proxy page) the generic one of its status', () => {
    const old = errorFromBody(429, '/api/x', JSON.stringify({ error: 'slow down' }))
    expect(old.code).toBe('rate_limited')
    expect(sentence(old, 'ru')).toBe('Слишком много запросов. Подождите немного.')
    const proxy = errorFromBody(502, '/api/x', '<html>Bad gateway</html>')
    expect(proxy.fromServer).toBe(false)
    expect(sentence(proxy, 'en')).toBe('The server is busy or starting. Please try again in a moment.')
    expect(sentence(new ApiError(0, 'x', '/api/x'), 'ru')).toMatch(/сервер/i)
  })
})
