def unit_price(price, grams):
    """Return the price of one kilogram, rounded to 2 decimals."""
    return round(price / grams * 1000, 2)


def better_deal(price_a, grams_a, price_b, grams_b):
    """Return 'a', 'b' or 'same': which pack is cheaper per kilogram."""
    if price_a < price_b:
        return "a"
    if price_b < price_a:
        return "b"
    return "same"
