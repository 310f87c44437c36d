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

CPython has three generations: new objects start in generation 0, which is collected every
700 allocations or so; survivors move to generation 1, collected every tenth time (a
*middle* collection); its survivors move to generation 2, the oldest, which only a full
collection visits. Every object of a graph being built survives, so each one is visited by
one young collection and, again, by one middle collection before it reaches the oldest
generation: the second visit, like the full ones, finds nothing.

So, once a graph grows past ``LARGE_GRAPH`` nodes without a backward pass, the engine pauses
*middle and full* collections. Young collections go on as before, so short-lived cycles are
still freed at once. Middle and full collections resume, and Python runs the ones that were
due, as soon as any of these happens:

- a backward pass ends (the graph is complete);
- the newest node of the graph being built is freed (the graph was dropped);
- the engine is idle: ``IDLE_COLLECTIONS`` young collections in a row find that no node was
  recorded and no backward pass ran (the program is doing something else).

A pause is nothing more than the collector's second and third thresholds (``gc.set_threshold``:
how many collections of the generation below pass between two of this one) set to a number it
never reaches. Resuming restores the values they had, unless the program has set its own
meanwhile (those are kept). Networks whose training step records fewer than ``LARGE_GRAPH``
nodes never pause anything. The state is shared by all threads, as the collector is.

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
from typing import Any

# Nodes recorded between two backward passes beyond which a graph counts as large. A training
# step of the project's networks records tens of nodes.
LARGE_GRAPH = 1_000

# The second and third thresholds during a pause: the largest C int, never reached by the
# collector's counts.
PAUSED = 2**31 - 1

# Young collections in a row that see no node recorded (and no backward pass) before the engine
# counts as idle: as many as make one middle collection when nothing is paused (the default
# second threshold), so about 7,000 allocations of other work.
IDLE_COLLECTIONS = 10


class GraphCollection:
    """The pause's state, one object for the process (as the collector is one).
    ``Function.apply`` counts each recorded node in ``recorded`` and calls
    ``pause_full_collections`` when the count reaches ``checkpoint``."""

    __slots__ = ("recorded", "checkpoint", "backward_passes", "seen", "idle_collections",
                 "newest", "user_thresholds", "watching")

    def __init__(self) -> None:
        self.recorded = 0  # nodes recorded so far (only ever compared)
        self.checkpoint = LARGE_GRAPH  # the value of ``recorded`` at which a graph is large
        self.backward_passes = 0  # backward passes running now
        self.seen = 0  # ``recorded`` at the previous young collection
        self.idle_collections = 0  # young collections in a row that saw the engine idle
        self.newest: weakref.ref[Any] | None = None  # the large graph's newest node, if paused
        self.user_thresholds = (10, 10)  # the collector's second and third before the pause
        self.watching = False  # whether ``_after_collection`` is in ``gc.callbacks``


# An instance rather than class attributes: setting a class attribute costs three times as
# much, and ``recorded`` is counted once per op.
graph_collection = GraphCollection()


def full_collections_paused() -> bool:
    """Whether middle and full collections are paused now."""
    return gc.get_threshold()[1:] == (PAUSED, PAUSED)


def pause_full_collections(newest_node: Any) -> None:
    """A large graph is being built (``newest_node`` is its latest node): pause middle and full
    collections until backward, until that node is freed or until the engine is idle. Called
    again every ``LARGE_GRAPH`` nodes while the graph grows, to follow its newest node."""
    state = graph_collection
    state.checkpoint = state.recorded + LARGE_GRAPH
    first, second, third = gc.get_threshold()
    if first == 0:  # the program turned the collector off this way: nothing to pause
        return
    if (second, third) != (PAUSED, PAUSED):
        state.user_thresholds = (second, third)
        gc.set_threshold(first, PAUSED, PAUSED)
        state.seen = state.recorded
        state.idle_collections = 0
    # A weak reference, so the pause never keeps the graph alive; replacing the old reference
    # drops it together with its callback.
    state.newest = weakref.ref(newest_node, _graph_dropped)
    if not state.watching:
        # Registered once and never removed: a callback may not remove itself from
        # ``gc.callbacks`` while the collector walks that list.
        gc.callbacks.append(_after_collection)
        state.watching = True


def resume_full_collections() -> None:
    """End the pause: restore the collector's second and third thresholds, unless the program
    changed them."""
    graph_collection.newest = None
    first, second, third = gc.get_threshold()
    if (second, third) == (PAUSED, PAUSED):
        gc.set_threshold(first, *graph_collection.user_thresholds)


class BackwardPass:
    """``with BackwardPass():`` around a backward pass: the engine is busy (no resuming for
    idleness) and the graph is complete when it ends (resume; a new graph counts from zero).

    A class rather than a ``contextmanager`` generator, which costs a microsecond more to
    enter and leave: every ``backward()`` pays it, a training step's too.
    """

    __slots__ = ()

    def __enter__(self) -> None:
        graph_collection.backward_passes += 1

    def __exit__(self, *exc_info: object) -> None:
        graph_collection.backward_passes -= 1
        graph_collection.checkpoint = graph_collection.recorded + LARGE_GRAPH
        resume_full_collections()


def _graph_dropped(reference: weakref.ref[Any]) -> None:
    """The newest node of the large graph was freed: the graph is gone."""
    if reference is graph_collection.newest:
        resume_full_collections()


def _after_collection(phase: str, info: dict[str, int]) -> None:
    """After each young collection during a pause, resume if the engine has been idle for the
    last ``IDLE_COLLECTIONS`` of them."""
    state = graph_collection
    if phase != "stop" or info["generation"] != 0 or state.newest is None:
        return
    if state.recorded == state.seen and state.backward_passes == 0:
        state.idle_collections += 1
        if state.idle_collections >= IDLE_COLLECTIONS:
            resume_full_collections()
    else:
        state.idle_collections = 0
    state.seen = state.recorded
