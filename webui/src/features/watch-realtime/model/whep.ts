// A WHEP client (WebRTC-HTTP Egress Protocol): offers recvonly video and audio, POSTs the offer
// to the server's /api/whep/{stream} (candidates gathered by both sides first, no trickle) and
// gives the remote tracks as one MediaStream. stop() closes the peer and DELETEs the session.
import { api, CSRF_HEADER } from '@/shared/api'

export interface WhepSession {
  stream: MediaStream
  stop: () => Promise<void>
}

export class WhepError extends Error {
  constructor(readonly status: number, message: string) {
    super(message)
  }
}

function gathered(pc: RTCPeerConnection, ms: number): Promise<void> {
  if (pc.iceGatheringState === 'complete') return Promise.resolve()
  return new Promise((resolve) => {
    const done = () => { pc.removeEventListener('icegatheringstatechange', check); resolve() }
    const check = () => { if (pc.iceGatheringState === 'complete') done() }
    pc.addEventListener('icegatheringstatechange', check)
    setTimeout(done, ms)
  })
}

export async function startWhep(streamName: string, fetchFn: typeof fetch = fetch): Promise<WhepSession> {
  const pc = new RTCPeerConnection()
  const media = new MediaStream()
  pc.addTransceiver('video', { direction: 'recvonly' })
  pc.addTransceiver('audio', { direction: 'recvonly' })
  pc.ontrack = (e) => media.addTrack(e.track)
  try {
    await pc.setLocalDescription(await pc.createOffer())
    await gathered(pc, 2000)
    const headers: Record<string, string> = { 'Content-Type': 'application/sdp' }
    const token = await api.csrf().catch(() => null)
    if (token) headers[CSRF_HEADER] = token
    const answer = await fetchFn(`/api/whep/${encodeURIComponent(streamName)}`, {
      method: 'POST', headers, body: pc.localDescription?.sdp ?? '', credentials: 'same-origin',
    })
    if (answer.status !== 201) throw new WhepError(answer.status, await answer.text())
    const location = answer.headers.get('Location')
    await pc.setRemoteDescription({ type: 'answer', sdp: await answer.text() })
    return {
      stream: media,
      stop: async () => {
        pc.close()
        if (location) await fetchFn(location, { method: 'DELETE', headers: token ? { [CSRF_HEADER]: token } : {} }).catch(() => undefined)
      },
    }
  } catch (err) {
    pc.close()
    throw err
  }
}
