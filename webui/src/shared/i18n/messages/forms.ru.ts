import type en from './forms.en'

const ru: Record<keyof typeof en, string> = {
  needUsername: 'Введите имя пользователя.',
  needPassword: 'Введите пароль.',
  needCurrentPassword: 'Введите текущий пароль.',
  needKeyName: 'Сначала назовите ключ трансляции.',
  whyDisabled: 'Почему кнопка недоступна',
}

export default ru
