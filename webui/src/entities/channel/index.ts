export { fetchChannel, fetchFollowing, follow, isChannelsMissing, unfollow, updateMyChannel } from './api/channelApi'
export { CHANNEL_CATEGORIES, categoryKey } from './model/categories'
