"""Keep Python's cyclic garbage collector from rescanning a large graph while it is built.

CPython frees an object as soon as nothing refers to it (reference counting). Its *cyclic*
garbage collector exists only for groups of objects that refer to one another in a circle,
which reference counting cannot free. The collector is generational: young objects are
checked often and cheaply, and a *full* collection, which visits every live object of the
process, runs each time the objects that survived into the oldest generation have grown by a
quarter since the last one.

Recording a graph creates a few objects per op (the node, the output Tensor, small tuples)
that all stay alive until the graph is dropped. Building a 150,000-op chain therefore set off
a full collection every few thousand ops, each one visiting the whole graph built so far (and
everything else alive, torch's modules too when torch is loaded): half the time of the build,
more per op the larger the graph. Those visits find nothing: the graph has no cycles (a node
refers to its outputs only weakly), so reference counting frees it.

So, once a graph grows past ``LARGE_GRAPH`` nodes without a backward pass, the engine pauses
*full* collections. Young collections go on as before, so short-lived cycles are still freed
at once. Full collections resume, and Python runs the one that was due, as soon as any of
these happens:

- a backward pass ends (the graph is complete);
- the newest node of the graph being built is freed (the graph was dropped);
- the engine is idle: a young collection finds that no node was recorded and no backward
  pass ran since the previous one (the program is doing something else).

A pause is nothing more than the collector's third threshold (``gc.set_threshold``: how many
young collections pass between checks for a full one) set to a number it never reaches.
Resuming restores the value it had, unless the program has set its own meanwhile (that one is
kept). Networks whose training step records fewer than ``LARGE_GRAPH`` nodes never pause
anything. The state is shared by all threads, as the collector is.

Example:
    >>> import tinygrad_edu as tge
    >>> x = tge.ones(2, requires_grad=True)
    >>> y = x
    >>> for _ in range(LARGE_GRAPH):
    ...     y = y * 1.0
    >>> full_collections_paused()
    True
    >>> y.sum().backward()
    >>> full_collections_paused()
    False
"""

from __future__ import annotations

import gc
import weakref
from typing import Any, Iterator
from contextlib import contextmanager

# Nodes recorded between two backward passes beyond which a graph counts as large. A training
# step of the project's networks records tens of nodes.
LARGE_GRAPH = 1_000

# The third threshold during a pause: the largest C int, never reached by the collector's count.
PAUSED = 2**31 - 1


class GraphCollection:
    """The pause's state, one object for the process (as the collector is one).
    ``Function.apply`` counts each recorded node in ``recorded`` and calls
    ``pause_full_collections`` when the count reaches ``checkpoint``."""

    __slots__ = ("recorded", "checkpoint", "backward_passes", "seen", "newest",
                 "user_threshold", "watching")

    def __init__(self) -> None:
        self.recorded = 0  # nodes recorded so far (only ever compared)
        self.checkpoint = LARGE_GRAPH  # the value of ``recorded`` at which a graph is large
        self.backward_passes = 0  # backward passes running now
        self.seen = 0  # ``recorded`` at the previous young collection
        self.newest: weakref.ref[Any] | None = None  # the large graph's newest node, if paused
        self.user_threshold = 10  # the collector's third threshold before the pause
        self.watching = False  # whether ``_after_collection`` is in ``gc.callbacks``


# An instance rather than class attributes: setting a class attribute costs three times as
# much, and ``recorded`` is counted once per op.
graph_collection = GraphCollection()


def full_collections_paused() -> bool:
    """Whether full collections are paused now."""
    return gc.get_threshold()[2] == PAUSED


def pause_full_collections(newest_node: Any) -> None:
    """A large graph is being built (``newest_node`` is its latest node): pause full
    collections until backward, until that node is freed or until the engine is idle. Called
    again every ``LARGE_GRAPH`` nodes while the graph grows, to follow its newest node."""
    state = graph_collection
    state.checkpoint = state.recorded + LARGE_GRAPH
    first, second, third = gc.get_threshold()
    if first == 0:  # the program turned the collector off this way: nothing to pause
        return
    if third != PAUSED:
        state.user_threshold = third
        gc.set_threshold(first, second, PAUSED)
        state.seen = state.recorded
    # A weak reference, so the pause never keeps the graph alive; replacing the old reference
    # drops it together with its callback.
    state.newest = weakref.ref(newest_node, _graph_dropped)
    if not state.watching:
        # Registered once and never removed: a callback may not remove itself from
        # ``gc.callbacks`` while the collector walks that list.
        gc.callbacks.append(_after_collection)
        state.watching = True


def resume_full_collections() -> None:
    """End the pause: restore the collector's third threshold, unless the program changed it."""
    graph_collection.newest = None
    first, second, third = gc.get_threshold()
    if third == PAUSED:
        gc.set_threshold(first, second, graph_collection.user_threshold)


@contextmanager
def backward_pass() -> Iterator[None]:
    """Around a backward pass: the engine is busy (no resuming for idleness) and the graph is
    complete when it ends (resume; a new graph counts from zero)."""
    graph_collection.backward_passes += 1
    try:
        yield
    finally:
        graph_collection.backward_passes -= 1
        graph_collection.checkpoint = graph_collection.recorded + LARGE_GRAPH
        resume_full_collections()


def _graph_dropped(reference: weakref.ref[Any]) -> None:
    """The newest node of the large graph was freed: the graph is gone."""
    if reference is graph_collection.newest:
        resume_full_collections()


def _after_collection(phase: str, info: dict[str, int]) -> None:
    """After each young collection during a pause, resume if the engine has been idle since the
    previous one."""
    state = graph_collection
    if phase != "stop" or info["generation"] != 1 or state.newest is None:
        return
    if state.recorded == state.seen and state.backward_passes == 0:
        resume_full_collections()
    state.seen = state.recorded
