"""Two callers talk with asyncari: callers are answered and paired in arrival
order; each pair gets its own mixing bridge, and when either caller hangs up
the app hangs up the other and destroys the bridge."""

import anyio
from asyncari.util import mayNotExist

from common import options, report, run, serve


async def first_to_leave(*channels):
    """The first of `channels` to leave the application."""
    left = []
    async with anyio.create_task_group() as watchers:

        async def watch(channel):
            await channel.wait_down()
            left.append(channel)
            watchers.cancel_scope.cancel()

        for channel in channels:
            watchers.start_soon(watch, channel)
    return left[0]


async def talk(session, first, second):
    bridge = await session.client.bridges.create(type="mixing")
    report("bridge_created", bridge=bridge.id)
    await bridge.addChannel(channel=f"{first.id},{second.id}")
    report("bridged", bridge=bridge.id, channels=[first.id, second.id])
    leaving = await first_to_leave(first, second)
    staying = second if leaving is first else first
    report("left", channel=leaving.id, bridge=bridge.id)
    # The other caller may have hung up meanwhile: that is done, not an error.
    with mayNotExist:
        await staying.hangup()
    report("hung_up", channel=staying.id)
    with mayNotExist:
        await bridge.destroy()
    report("bridge_destroyed", bridge=bridge.id)
    session.handled()


class Pairing:
    """Callers in the order they were answered, two by two."""

    def __init__(self):
        self.answered, self.arrivals = anyio.create_memory_object_stream(16)
        # The channels that left the application.
        self.gone = set()

    async def arrive(self, session, channel):
        report("call", channel=channel.id, caller=channel.caller["number"])
        await channel.answer()
        report("answered", channel=channel.id)
        await self.answered.send(channel)

    async def forget(self, session):
        async with session.client.on_event("StasisEnd") as ends:
            async for end in ends:
                self.gone.add(end.channel.id)

    async def match(self, session):
        waiting = None
        async for channel in self.arrivals:
            # One who left while waiting for a partner is skipped.
            if waiting is not None and waiting.id in self.gone:
                report("left", channel=waiting.id)
                waiting = None
            if waiting is None:
                waiting = channel
            else:
                session.work.start_soon(talk, session, waiting, channel)
                waiting = None


pairing = Pairing()
run(serve, options(), pairing.arrive, pairing.forget, pairing.match)
