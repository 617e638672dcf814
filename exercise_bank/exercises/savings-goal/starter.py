def months_to_goal(goal, deposit, rate_percent):
    """Return the number of months until the savings reach at least goal."""
    balance = 0
    months = 0
    while balance < goal:
        balance = balance + deposit
        months += 1
    return months
