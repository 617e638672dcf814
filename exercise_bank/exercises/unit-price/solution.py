def unit_price(price, grams):
    """Return the price of one kilogram, rounded to 2 decimals."""
    return round(price / grams * 1000, 2)


def better_deal(price_a, grams_a, price_b, grams_b):
    """Return 'a', 'b' or 'same': which pack is cheaper per kilogram."""
    a = unit_price(price_a, grams_a)
    b = unit_price(price_b, grams_b)
    if a < b:
        return "a"
    if b < a:
        return "b"
    return "same"
