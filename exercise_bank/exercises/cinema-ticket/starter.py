def ticket_price(age, day):
    """Return the ticket price in euros for a person of this age on this weekday."""
    if age < 12:
        return 6
    if age > 65:
        return 8
    return 12
