def update_stock(stock, sold):
    """Return a new stock dictionary after subtracting the sales; sold-out products are removed."""
    result = dict(stock)
    for product, qty in sold.items():
        if product in result:
            result[product] -= qty
            if result[product] <= 0:
                del result[product]
    return result
