export { fetchChannel, fetchFollowing, follow, isChannelsMissing, removeBanner, unfollow, updateMyChannel, uploadBanner } from './api/channelApi'
export { CHANNEL_CATEGORIES, categoryKey } from './model/categories'
