"""Named random streams spawned from one root seed.

Each stream is keyed by its *name*, not by the order in which it is created, so that adding a
stream or changing a policy lever never shifts the draws of another. The network and the
population have their own streams: runs that differ only in their levers share the same
network, residents and institutions (common random numbers). Replications get seeds spawned
from the root seed (``SeedSequence.spawn``), never ``seed + i``. The bit generator is SFC64
(Small Fast Chaotic), which passes the standard statistical batteries and draws uniform numbers
about twice as fast as PCG64; residents make millions of draws a step.
"""

from __future__ import annotations

import zlib

import numpy as np

#: Every stream the model uses. Adding a name here never changes the draws of the others.
STREAM_NAMES: tuple[str, ...] = (
    "network",       # the social network
    "population",    # residents' attributes (a part each, Streams.part) and communities' need levels
    "institutions",  # enterprises and social organisations, and whom they reach
    "issues",        # arrival of issues, their categories and cross-department flags
    "participation", # taste shocks in the participation choice
    "handling",      # finding by grid workers, resolution, sector attribution
    "trust",         # bounded-confidence trust meetings
    "awareness",     # campaigns, word of mouth, forgetting
    "volunteering",  # public goods game revisions
    "data",          # breaches and exposure
    "decision",      # third-party estimates of need
    "scaleup",       # adoption of a piloted reform by imitation
    "agents",        # Mesa's own generators (AgentSet shuffles)
    "pilots",        # random choice of pilot sites
    "supervision",   # which watched online requests upper levels follow up
)


#: The parts of a stream that have a generator of their own (:meth:`Streams.part`): each
#: attribute of the residents, so that one attribute's parameters never shift another's draws.
STREAM_PARTS: dict[str, tuple[str, ...]] = {
    "population": ("age", "literacy", "trust", "efficacy", "privacy", "awareness", "threshold", "cooperator",
                   "issue_rate", "satisfaction"),
}


def _stream_key(name: str) -> int:
    return zlib.crc32(name.encode("utf-8"))


class Streams:
    """The model's random generators, one per named stream, all spawned from ``root_seed``."""

    def __init__(self, root_seed: int):
        self.root_seed = int(root_seed)
        self._generators: dict[str, np.random.Generator] = {}
        self.seeds: dict[str, list[int]] = {}

    def seed_sequence(self, name: str) -> np.random.SeedSequence:
        """The seed sequence of a stream: the root entropy plus the stream's name as spawn key."""
        if name not in STREAM_NAMES:
            raise KeyError(f"unknown random stream {name!r}; known: {', '.join(STREAM_NAMES)}")
        return np.random.SeedSequence(self.root_seed, spawn_key=(_stream_key(name),))

    def __getitem__(self, name: str) -> np.random.Generator:
        gen = self._generators.get(name)
        if gen is None:
            gen = self._generators[name] = self._generator(self.seed_sequence(name), name)
        return gen

    def _generator(self, ss: np.random.SeedSequence, label: str) -> np.random.Generator:
        """An SFC64 generator from ``ss``, its state recorded under ``label`` for the manifest."""
        self.seeds[label] = [int(x) for x in ss.generate_state(2, dtype=np.uint64)]
        return np.random.Generator(np.random.SFC64(ss))

    def part(self, name: str, part: str) -> np.random.Generator:
        """A generator of its own for one part of a stream (one attribute of the residents, say):
        the root entropy with spawn key (crc32(name), crc32(part)). How many numbers one part
        draws (a beta variate by rejection takes more or fewer uniforms as its parameters change)
        then never shifts the draws of another, so runs that differ in one attribute's
        parameters still share every other attribute's draws (common random numbers)."""
        if part not in STREAM_PARTS.get(name, ()):
            known = ", ".join(f"{n}/{p}" for n, parts in STREAM_PARTS.items() for p in parts)
            raise KeyError(f"unknown part {part!r} of random stream {name!r}; known: {known}")
        ss = np.random.SeedSequence(self.root_seed, spawn_key=(_stream_key(name), _stream_key(part)))
        return self._generator(ss, f"{name}/{part}")

    def describe(self) -> dict[str, object]:
        """What a manifest records: the root seed and how each stream is derived from it."""
        return {
            "root_seed": self.root_seed,
            "derivation": "numpy.random.SeedSequence(root_seed, spawn_key=(crc32(stream name),)) -> SFC64",
            "parts_derivation": ("numpy.random.SeedSequence(root_seed, spawn_key=(crc32(stream name), "
                                 "crc32(part))) -> SFC64"),
            "streams": {name: {"spawn_key": _stream_key(name)} for name in STREAM_NAMES},
            "parts": {f"{name}/{part}": {"spawn_key": [_stream_key(name), _stream_key(part)]}
                      for name, parts in STREAM_PARTS.items() for part in parts},
        }


def replication_seeds(root_seed: int, replications: int) -> list[int]:
    """Seeds for replications, spawned from the root seed (independent, not ``seed + i``)."""
    children = np.random.SeedSequence(int(root_seed)).spawn(int(replications))
    return [int(c.generate_state(1, dtype=np.uint64)[0] >> np.uint64(1)) for c in children]
