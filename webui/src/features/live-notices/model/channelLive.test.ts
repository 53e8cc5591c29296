import { describe, expect, it } from 'vitest'
import { parseChannelLive } from './channelLive'

describe('parseChannelLive', () => {
  it('reads the event, the name falling back to the channel', () => {
    expect(parseChannelLive({ channel: 'alice', display_name: '', stream: 'alice-cam', title: 'Hi', category: null })).toEqual({
      channel: 'alice',
      display_name: 'alice',
      stream: 'alice-cam',
      title: 'Hi',
      category: null,
    })
  })

  it('ignores what is not one', () => {
    expect(parseChannelLive(null)).toBeNull()
    expect(parseChannelLive({ channel: 'alice' })).toBeNull()
    expect(parseChannelLive('x')).toBeNull()
  })
})
