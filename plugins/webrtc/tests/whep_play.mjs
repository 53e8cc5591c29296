#!/usr/bin/env node
// A WHEP viewer in Debian's Chromium against a real `kek serve`, for whep_test.cpp: a page of
// kek's own origin offers recvonly video and audio, POSTs the offer to /api/whep/STREAM, plays
// the answer in a <video> and reports one JSON line: what the player saw after 2 s of
// playing, the answer's status and Location, and the DELETE's status.
//
//   node whep_play.mjs NODE_MODULES BASE_URL STREAM
//
// Never downloads a browser: /usr/bin/chromium or $KEK_CHROMIUM. Exits 77 (skipped) without it
// or without the node modules.
import { launchChromium, requireOrSkip } from '../../../tests/support/chromium.mjs'

const [nodeModules, base, stream] = process.argv.slice(2)
if (!stream) {
  console.error('usage: whep_play.mjs NODE_MODULES BASE_URL STREAM')
  process.exit(2)
}
requireOrSkip(nodeModules)

const browser = await launchChromium(nodeModules)
let code = 0
try {
  const page = await browser.newPage()
  await page.route('**/assets/**', (route) => route.abort())
  await page.goto(new URL('/whep-test-page', base).href)
  await page.setContent('<!doctype html><html><body><video id="v" muted autoplay playsinline></video></body></html>')
  const result = await page.evaluate(async (stream) => {
    const pc = new RTCPeerConnection()
    pc.addTransceiver('video', { direction: 'recvonly' })
    pc.addTransceiver('audio', { direction: 'recvonly' })
    const video = document.getElementById('v')
    const media = new MediaStream()
    pc.ontrack = (e) => { media.addTrack(e.track); video.srcObject = media; video.play().catch(() => {}) }
    await pc.setLocalDescription(await pc.createOffer())
    const answer = await fetch(`/api/whep/${stream}`, {
      method: 'POST', headers: { 'Content-Type': 'application/sdp' }, body: pc.localDescription.sdp,
    })
    const out = { status: answer.status, location: answer.headers.get('Location'), contentType: answer.headers.get('Content-Type') }
    const sdp = await answer.text()
    if (answer.status !== 201) return { ...out, body: sdp }
    out.candidates = sdp.split('\n').filter((l) => l.startsWith('a=candidate')).length
    await pc.setRemoteDescription({ type: 'answer', sdp })
    // Plays: the picture's size is known and time advances by 2 s of media.
    const deadline = Date.now() + 45000
    let first = null
    while (Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200))
      if (video.videoWidth > 0 && first === null) first = video.currentTime
      if (first !== null && video.currentTime - first >= 2) break
    }
    out.connection = pc.connectionState
    out.width = video.videoWidth
    out.height = video.videoHeight
    out.played = first === null ? 0 : video.currentTime - first
    out.tracks = media.getTracks().map((t) => t.kind).sort()
    const stats = await pc.getStats()
    stats.forEach((s) => {
      if (s.type === 'inbound-rtp') out[`${s.kind}Packets`] = s.packetsReceived
      if (s.type === 'codec' && s.mimeType) out.codecs = [...(out.codecs ?? []), s.mimeType].sort()
    })
    const gone = await fetch(out.location, { method: 'DELETE' })
    out.deleted = gone.status
    out.deletedAgain = (await fetch(out.location, { method: 'DELETE' })).status
    pc.close()
    return out
  }, stream)
  console.log(JSON.stringify(result))
} catch (e) {
  console.error(`whep_play: ${e.stack ?? e}`)
  code = 1
} finally {
  await browser.close()
}
process.exit(code)
