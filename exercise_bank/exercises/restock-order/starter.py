def restock_order(stock, minimum):
    """Return {item: pieces to order} for every item below minimum."""
    return {item: count for item, count in stock.items() if count < minimum}
