#!/usr/bin/env node
// A WHIP publisher in Debian's Chromium with a fake camera and microphone, for whip_test.cpp: a
// page of kek's own origin sends H.264 and Opus to /api/whip/APP with the stream key as the
// Bearer token, keeps publishing for SECONDS, then DELETEs its session. Prints one JSON line
// when the answer came ({"status", "location", "connection"}) and one at the end.
//
//   node whip_publish.mjs NODE_MODULES BASE_URL APP KEY SECONDS
//
// Never downloads a browser: /usr/bin/chromium or $KEK_CHROMIUM. Exits 77 (skipped) without it.
import { launchChromium, requireOrSkip } from '../../../tests/support/chromium.mjs'

const [nodeModules, base, app, key, seconds] = process.argv.slice(2)
if (!seconds) {
  console.error('usage: whip_publish.mjs NODE_MODULES BASE_URL APP KEY SECONDS')
  process.exit(2)
}
requireOrSkip(nodeModules)

const browser = await launchChromium(nodeModules, ['--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream'])
let code = 0
try {
  const page = await browser.newPage()
  await page.route('**/assets/**', (route) => route.abort())
  await page.goto(new URL('/whip-test-page', base).href)
  await page.setContent('<!doctype html><html><body></body></html>')
  const answered = await page.evaluate(async ({ app, key }) => {
    const media = await navigator.mediaDevices.getUserMedia({ video: { width: 320, height: 180, frameRate: 25 }, audio: true })
    const pc = new RTCPeerConnection()
    for (const track of media.getTracks()) pc.addTransceiver(track, { direction: 'sendonly', streams: [media] })
    await pc.setLocalDescription(await pc.createOffer())
    const r = await fetch(`/api/whip/${app}`, {
      method: 'POST', headers: { 'Content-Type': 'application/sdp', Authorization: `Bearer ${key}` }, body: pc.localDescription.sdp,
    })
    const out = { status: r.status, location: r.headers.get('Location') }
    const sdp = await r.text()
    if (r.status !== 201) return { ...out, body: sdp }
    await pc.setRemoteDescription({ type: 'answer', sdp })
    const deadline = Date.now() + 20000
    while (pc.connectionState !== 'connected' && Date.now() < deadline) await new Promise((res) => setTimeout(res, 100))
    out.connection = pc.connectionState
    window.whip = { pc, location: out.location }
    return out
  }, { app, key })
  console.log(JSON.stringify(answered))
  if (answered.status !== 201) throw new Error(`not answered: ${JSON.stringify(answered)}`)
  await new Promise((r) => setTimeout(r, Number(seconds) * 1000))
  const ended = await page.evaluate(async () => {
    const stats = await window.whip.pc.getStats()
    const out = {}
    stats.forEach((s) => { if (s.type === 'outbound-rtp') out[`${s.kind}Packets`] = s.packetsSent })
    out.deleted = (await fetch(window.whip.location, { method: 'DELETE' })).status
    window.whip.pc.close()
    return out
  })
  console.log(JSON.stringify(ended))
} catch (e) {
  console.error(`whip_publish: ${e.stack ?? e}`)
  code = 1
} finally {
  await browser.close()
}
process.exit(code)
