#!/usr/bin/python3
"""The reference for bench/chat.sh: the same fan-out (every text frame to every client) done by
python3-websockets (asyncio), the plain broadcaster many small chat servers are. Debian's
/usr/bin/python3 with python3-websockets; listens on 127.0.0.1:PORT, prints READY."""
import asyncio
import sys

import websockets

CLIENTS = set()


async def handler(ws, *_):
    CLIENTS.add(ws)
    try:
        async for message in ws:
            websockets.broadcast(CLIENTS, message)
    finally:
        CLIENTS.discard(ws)


async def main(port):
    async with websockets.serve(handler, "127.0.0.1", port, max_size=65536, ping_interval=30, compression=None):
        print("READY", flush=True)
        await asyncio.Future()


asyncio.run(main(int(sys.argv[1])))
