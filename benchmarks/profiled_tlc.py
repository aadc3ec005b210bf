"""`tlc start` under cProfile, switched by signals so only the measured turns are profiled.

SIGUSR1 starts profiling; SIGUSR2 stops and writes the stats to $TLC_PROFILE (a .prof file for
`python -m pstats`). Used by `benchmarks.turns --profile DIR`.
"""

from __future__ import annotations

import cProfile
import os
import signal
import sys
from types import FrameType

from bot.cli import main


def run() -> int:
    profile = cProfile.Profile()
    path = os.environ["TLC_PROFILE"]

    def begin(_: int, __: FrameType | None) -> None:
        profile.enable()

    def end(_: int, __: FrameType | None) -> None:
        profile.disable()
        profile.dump_stats(path)

    signal.signal(signal.SIGUSR1, begin)
    signal.signal(signal.SIGUSR2, end)
    return main(["start"])


if __name__ == "__main__":
    sys.exit(run())
