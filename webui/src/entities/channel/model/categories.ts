// What Studio suggests for a stream's category (the streamer may type anything else, up to 40
// characters). The stored value is the English name; each viewer's UI shows its own words for
// the ones it knows (channel.categories.<key>) and any other category as it was typed.
export const CHANNEL_CATEGORIES = [
  { value: 'Just Chatting', key: 'justChatting' },
  { value: 'Games', key: 'games' },
  { value: 'Music', key: 'music' },
  { value: 'Art', key: 'art' },
  { value: 'Film & TV', key: 'filmTv' },
  { value: 'Sports', key: 'sports' },
  { value: 'Education', key: 'education' },
  { value: 'Science & Technology', key: 'science' },
  { value: 'Cooking', key: 'cooking' },
  { value: 'Travel & Outdoors', key: 'travel' },
  { value: 'Talk Shows & Podcasts', key: 'talk' },
  { value: 'Family', key: 'family' },
] as const

/** The i18n key of a known category, or null for one the streamer typed. */
export function categoryKey(value: string | null | undefined): string | null {
  const found = CHANNEL_CATEGORIES.find((c) => c.value.toLowerCase() === (value ?? '').trim().toLowerCase())
  return found ? `channel.categories.${found.key}` : null
}
