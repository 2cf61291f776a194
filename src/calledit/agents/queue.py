"""A fair (first come, first served) gate in front of a model that can only run N generations at once."""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncIterator


class Ticket:
    """A place in line. `position` is 1 for the next to run, 0 once granted."""

    def __init__(self, gate: ModelGate) -> None:
        self._gate = gate
        self.granted = False
        self.changed = asyncio.Event()

    @property
    def position(self) -> int:
        return 0 if self.granted else self._gate._waiting.index(self) + 1


class ModelGate:
    def __init__(self, capacity: int) -> None:
        if capacity < 1:
            raise ValueError("capacity must be at least 1")
        self.capacity = capacity
        self.running = 0
        self._waiting: deque[Ticket] = deque()

    @property
    def queued(self) -> int:
        return len(self._waiting)

    def enqueue(self) -> Ticket:
        ticket = Ticket(self)
        if self.running < self.capacity and not self._waiting:
            ticket.granted = True
            self.running += 1
        else:
            self._waiting.append(ticket)
        return ticket

    def release(self, ticket: Ticket) -> None:
        """Give the slot back (or leave the line); safe to call once per ticket in a finally."""
        if ticket.granted:
            ticket.granted = False
            self.running -= 1
        elif ticket in self._waiting:
            self._waiting.remove(ticket)
        self._advance()

    def _advance(self) -> None:
        while self._waiting and self.running < self.capacity:
            granted = self._waiting.popleft()
            granted.granted = True
            self.running += 1
            granted.changed.set()
        for waiting in self._waiting:  # everyone behind moved up one place
            waiting.changed.set()

    async def wait(self, ticket: Ticket) -> AsyncIterator[int]:
        """Yields the ticket's position each time it changes, until granted."""
        last = -1
        while not ticket.granted:
            if ticket.position != last:
                last = ticket.position
                yield last
            ticket.changed.clear()
            await ticket.changed.wait()
