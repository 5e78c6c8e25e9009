"""Pacing: at most so many messages a minute and so many recipients a day, as mail services count.

Office 365 (Exchange Online) accepts 30 messages a minute and 10,000 recipients a day from one
mailbox; Google Workspace 2,000 messages a day per user. A sender over those limits is refused
for hours (Office 365: "554 5.2.0 ... SubmissionQuotaExceeded") and its reputation suffers, so
``mail send`` keeps under them on its own:

- **a minute**: at most ``per_minute`` messages in any 60 seconds (a sliding window, which is
  how the services count: a short list goes out at once, a long one at the allowed pace);
- **a day**: at most ``per_day`` recipients in any 24 hours, counted from the send journal, each
  message for its envelope recipients (the partner, and the ``[mail] bcc`` archive copy too,
  which the services count like any recipient). At the cap the run stops and says when to run
  the same command again; the journal makes that rerun send only the rest.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass

DAY = dt.timedelta(hours=24)


@dataclass(frozen=True)
class Rate:
    """A service's limits; None means no limit of that kind."""

    per_minute: float | None
    per_day: int | None
    name: str = ""

    def describe(self) -> str:
        parts = []
        if self.per_minute:
            parts.append(f"{self.per_minute:g} messages a minute")
        if self.per_day:
            parts.append(f"{self.per_day:,} recipients a day")
        text = ", ".join(parts) or "no limit"
        return f"{text} ({self.name})" if self.name else text


#: Presets for ``[mail] rate``. The per-minute figure for Gmail is not published by Google:
#: 20 keeps well clear of its automatic throttling of new bulk senders.
PRESETS = {
    "office365": Rate(per_minute=30, per_day=10_000, name="Office 365"),
    "gmail": Rate(per_minute=20, per_day=2_000, name="Google Workspace"),
    "none": Rate(per_minute=None, per_day=None, name="no limit: the office's own relay"),
}
#: Without ``[mail] rate``: slow enough for any shared relay; no daily cap, which depends on
#: the service (set a preset for Office 365 or Gmail).
DEFAULT = Rate(per_minute=20, per_day=None, name="default")


class Pacer:
    """Waits before each message as the minute's limit requires, and tells when a day's
    recipients are used up. ``clock`` and ``sleep`` are monotonic seconds (tests pass their
    own); ``now`` is the wall clock, for the journal's times."""

    def __init__(
        self,
        rate: Rate,
        *,
        clock: Callable[[], float],
        sleep: Callable[[float], None],
        now: Callable[[], dt.datetime],
        sent_before: Iterable[tuple[dt.datetime, int]] = (),
    ) -> None:
        self.rate = rate
        self.clock, self.sleep, self.now = clock, sleep, now
        # "at most N in W seconds": N whole messages; a rate below one a minute is one message
        # every 60/rate seconds.
        if rate.per_minute:
            self.count = max(1, math.floor(rate.per_minute))
            self.window = 60.0 * self.count / rate.per_minute
        else:
            self.count, self.window = 0, 0.0
        self.starts: deque[float] = deque()
        horizon = now() - DAY
        self.today: deque[tuple[dt.datetime, int]] = deque(
            sorted((at, n) for at, n in sent_before if at > horizon)
        )

    def day_used(self) -> int:
        """Recipients sent to in the last 24 hours (this outbox's journal and this run)."""
        horizon = self.now() - DAY
        while self.today and self.today[0][0] <= horizon:
            self.today.popleft()
        return sum(n for _, n in self.today)

    def day_full(self, recipients: int) -> dt.datetime | None:
        """When sending to ``recipients`` more would pass the daily cap: the moment enough of
        the last 24 hours' recipients fall out of the window; None while there is room."""
        cap = self.rate.per_day
        if not cap:
            return None
        used = self.day_used()
        if used + recipients <= cap:
            return None
        freed = 0
        for at, count in self.today:
            freed += count
            if used - freed + recipients <= cap:
                return at + DAY
        return self.now() + DAY  # more recipients than a whole day allows: never in one day

    def wait_for_turn(self) -> None:
        """Sleep until one more message fits in the minute's window, then count it."""
        if not self.count:
            return
        now = self.clock()
        while self.starts and self.starts[0] <= now - self.window:
            self.starts.popleft()
        if len(self.starts) >= self.count:
            self.sleep(self.starts[0] + self.window - now)
            self.starts.popleft()
        self.starts.append(max(now, self.clock()))

    def sent(self, recipients: int) -> None:
        self.today.append((self.now(), recipients))
