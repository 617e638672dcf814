def update_stock(stock, sold):
    """Return a new stock dictionary after subtracting the sales; sold-out products are removed."""
    for product, qty in sold.items():
        stock[product] = stock[product] - qty
    return stock
