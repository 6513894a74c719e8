"""What both Python programs share: their settings, their progress lines on
stdout (one JSON object a line, for the test that drives them) and how they
end."""

import argparse
import json
import os
import signal
import sys
import traceback

from dataclasses import dataclass
from typing import Callable

import anyio
import asyncari


def options():
    """`--url` etc., each falling back to its environment variable."""
    parser = argparse.ArgumentParser(description=sys.modules["__main__"].__doc__)
    for name, variable in [
        ("url", "ARI_URL"),
        ("username", "ARI_USERNAME"),
        ("password", "ARI_PASSWORD"),
        ("app", "ARI_APPLICATION"),
    ]:
        parser.add_argument(f"--{name}", default=os.environ.get(variable), help=f"default ${variable}")
    parser.add_argument("--calls", type=int, default=0, help="exit 0 after this many calls (0: run until a signal)")
    settings = parser.parse_args()
    for name in ("url", "username", "password", "app"):
        if not getattr(settings, name):
            parser.error(f"--{name} is required")
    if settings.calls < 0:
        parser.error("--calls must not be negative")
    return settings


def report(event, **fields):
    print(json.dumps({"event": event, **fields}), flush=True)


@dataclass
class Session:
    """What a program's handlers get: the ARI client, the task group to run
    work in, and `handled()` to call once a call is over."""

    client: asyncari.client.Client
    work: anyio.abc.TaskGroup
    handled: Callable[[], None]


async def serve(settings, on_start, *others):
    """Connects as `settings` say and runs `on_start(session, channel)` in a
    task of its own for every channel entering the application, and each of
    `others(session)` beside, until `settings.calls` calls were handled or a
    signal came."""
    async with asyncari.connect(settings.url, settings.app, settings.username, settings.password) as client:
        info = await client.asterisk.getInfo()
        report("connected", version=info["system"]["version"])
        handled = 0
        async with anyio.create_task_group() as work:

            def call_handled():
                nonlocal handled
                handled += 1
                report("handled", calls=handled)
                if handled == settings.calls:
                    report("finished", why="calls handled")
                    work.cancel_scope.cancel()

            session = Session(client, work, call_handled)
            work.start_soon(stop_on_signal, work.cancel_scope)
            for other in others:
                work.start_soon(other, session)
            async with client.on_event("StasisStart") as starts:
                report("ready", app=settings.app)
                async for start in starts:
                    work.start_soon(on_start, session, start.channel)


async def stop_on_signal(scope):
    """Cancels `scope` (the program's work) on SIGINT or SIGTERM."""
    with anyio.open_signal_receiver(signal.SIGINT, signal.SIGTERM) as signals:
        async for received in signals:
            report("finished", why=signal.Signals(received).name)
            scope.cancel()
            return


def run(main, *args):
    """Runs `main(*args)`; any failure ends the program with status 1, saying
    what failed."""
    try:
        anyio.run(main, *args)
    except BaseException as error:  # noqa: BLE001 - the exit status says it all
        if isinstance(error, SystemExit):
            raise
        report("error", message=describe(error))
        traceback.print_exception(error)
        raise SystemExit(1) from error


def describe(error):
    """An exception group's message names only how many failed: say which."""
    if isinstance(error, BaseExceptionGroup):
        return "; ".join(describe(inner) for inner in error.exceptions)
    return f"{type(error).__name__}: {error}"
