def pairs_with_total(prices, total):
    """Return (first, second) price pairs of two different gifts that add up to total."""
    return [
        (first, second)
        for i, first in enumerate(prices)
        for second in prices[i + 1:]
        if first + second == total
    ]
