def columns(plan):
    """Return the plan's columns, each from the front row to the back; missing seats are None."""
    return [[seat for seat in row] for row in plan]
