def make_discount(percent):
    """Return a function that takes a price and returns it reduced by percent percent."""
    return percent


def apply_discounts(price, discounts):
    """Apply each discount function to the price, in order, and return the result."""
    return price
