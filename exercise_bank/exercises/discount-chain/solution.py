def make_discount(percent):
    """Return a function that takes a price and returns it reduced by percent percent."""
    def discount(price):
        return round(price * (100 - percent) / 100, 2)
    return discount


def apply_discounts(price, discounts):
    """Apply each discount function to the price, in order, and return the result."""
    for discount in discounts:
        price = discount(price)
    return price
