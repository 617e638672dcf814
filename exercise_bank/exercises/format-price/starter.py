def format_price(amount, currency="EUR", decimals=2):
    """Return amount with the given number of decimals, a space and the currency code."""
    return str(amount) + " " + currency
