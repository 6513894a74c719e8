"""Asterisk's hello world with asyncari: every call entering the application
is answered, hears sound:hello-world to its end and is hung up."""

from asyncari.model import Playback
from asyncari.util import mayNotExist

from common import options, report, run, serve


async def greet(session, channel):
    report("call", channel=channel.id, caller=channel.caller["number"])
    await channel.answer()
    report("answered", channel=channel.id)
    # The playback's id is chosen (and its object held) before it starts, so
    # its PlaybackFinished cannot arrive before anyone waits for it.
    playback = Playback(session.client, id=session.client.generate_id("playback"))
    await channel.playWithId(playbackId=playback.id, media="sound:hello-world")
    await playback.wait_done()
    report(
        "playback_finished",
        channel=channel.id,
        playback=playback.id,
        media=playback.media_uri,
        state=playback.state,
    )
    # A caller who left during the greeting is gone already: that is fine.
    with mayNotExist:
        await channel.hangup()
    report("hung_up", channel=channel.id)
    session.handled()


run(serve, options(), greet)
