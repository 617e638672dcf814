def pairs_with_total(prices, total):
    """Return (first, second) price pairs of two different gifts that add up to total."""
    return [(a, b) for a in prices for b in prices if a + b == total]
