def ticket_price(age, day):
    """Return the ticket price in euros for a person of this age on this weekday."""
    if age < 12:
        price = 6
    elif age >= 65:
        price = 8
    else:
        price = 12
    if day.lower() == "tuesday":
        price = price - 3
    return price
