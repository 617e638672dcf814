def pairs_with_total(prices, total):
    """Return (first, second) price pairs of two different gifts that add up to total."""
    return [
        (prices[i], prices[j])
        for i in range(len(prices))
        for j in range(i + 1, len(prices))
        if prices[i] + prices[j] == total
    ]
