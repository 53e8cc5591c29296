// channel.live on /api/events (the channels plugin): a channel I follow went live.
export interface ChannelLiveEvent {
  channel: string
  display_name: string
  stream: string
  title: string | null
  category: string | null
}

export function parseChannelLive(data: unknown): ChannelLiveEvent | null {
  if (typeof data !== 'object' || data === null) return null
  const d = data as Record<string, unknown>
  if (typeof d.channel !== 'string' || typeof d.stream !== 'string') return null
  return {
    channel: d.channel,
    display_name: typeof d.display_name === 'string' && d.display_name ? d.display_name : d.channel,
    stream: d.stream,
    title: typeof d.title === 'string' && d.title ? d.title : null,
    category: typeof d.category === 'string' && d.category ? d.category : null,
  }
}
