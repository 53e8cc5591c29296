// Why a form's button is disabled, for what the API's codes do not cover (empty fields).
export default {
  needUsername: 'Enter a username.',
  needPassword: 'Enter the password.',
  needCurrentPassword: 'Enter your current password.',
  needKeyName: 'Name the stream key first.',
  whyDisabled: 'Why the button is disabled',
}
