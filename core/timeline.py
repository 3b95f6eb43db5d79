"""Time arithmetic on sessions' intervals (no ORM)."""


def union_seconds(intervals):
    """Seconds covered by the union of (start, end) datetime intervals: time
    where intervals overlap counts once, gaps between them not at all."""
    total, current_start, current_end = 0.0, None, None
    for start, end in sorted(intervals):
        if current_end is None or start > current_end:
            if current_end is not None:
                total += (current_end - current_start).total_seconds()
            current_start, current_end = start, end
        else:
            current_end = max(current_end, end)
    if current_end is not None:
        total += (current_end - current_start).total_seconds()
    return total
