"""What a cleaning run found: counts by reason, the summary table, and the registry report."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa

# The registry's limits on a failure report (service/api/failures.py).
MAX_REASONS = 100
MAX_REASON_LENGTH = 200
MAX_SOURCE_LENGTH = 500
OTHER = "other"


@dataclass
class Counts:
    """Rows read, kept and rejected; `reasons` counts rejected rows by their one reason."""

    rows: int = 0
    clean: int = 0
    rejected: int = 0
    reasons: Counter[str] = field(default_factory=Counter)

    def add(self, clean: int, reasons: Counter[str]) -> None:
        rejected = sum(reasons.values())
        self.rows += clean + rejected
        self.clean += clean
        self.rejected += rejected
        self.reasons.update(reasons)

    def payload(self, version: str | None, source: str) -> dict[str, Any]:
        """The JSON body of `POST /schema/{id}/failures`, within the registry's limits: the
        99 most frequent reasons by name, the rest summed as "other"."""
        ranked = self.reasons.most_common()
        reasons: Counter[str] = Counter()
        for position, (reason, count) in enumerate(ranked):
            name = reason[:MAX_REASON_LENGTH] if position < MAX_REASONS - 1 else OTHER
            reasons[name] += count
        return {
            "version": version,
            "rows": self.rows,
            "rejected": self.rejected,
            "reasons": dict(reasons),
            "source": source[-MAX_SOURCE_LENGTH:],
        }

    def summary(self, top: int = 5) -> str:
        """A small table for a terminal: the totals and the most frequent reasons."""

        def share(count: int) -> str:
            return f"{100 * count / self.rows:.2f}%" if self.rows else "-"

        lines = [
            f"{'rows':<32}{self.rows:>14,}",
            f"{'clean':<32}{self.clean:>14,}  {share(self.clean)}",
            f"{'rejected':<32}{self.rejected:>14,}  {share(self.rejected)}",
        ]
        for reason, count in self.reasons.most_common(top):
            lines.append(f"  {reason[:30]:<30}{count:>14,}  {share(count)}")
        hidden = len(self.reasons) - top
        if hidden > 0:
            lines.append(f"  … and {hidden} more reason(s)")
        return "\n".join(lines)


@dataclass
class CleanResult:
    """The outcome of `DatasetCleaner.load_raw_data`.

    `clean` has the registry's Arrow schema; `quarantine` has every input column as text plus
    `_reason` and `_raw` (registry_client/cleaner/quarantine.py). Either is None when it was
    streamed to a file and not kept (`keep_tables`), so a huge file never sits in memory.
    `reported` says whether the registry accepted the failure report (None: nothing was sent).
    """

    schema_id: str
    version: str
    counts: Counts
    clean: pa.Table | None
    quarantine: pa.Table | None
    reported: bool | None = None
