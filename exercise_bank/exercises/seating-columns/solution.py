def columns(plan):
    """Return the plan's columns, each from the front row to the back; missing seats are None."""
    if not plan:
        return []
    width = max(len(row) for row in plan)
    return [[row[c] if c < len(row) else None for row in plan] for c in range(width)]
