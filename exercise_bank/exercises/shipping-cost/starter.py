def shipping_cost(weight_kg):
    """Return the shipping cost in euros; express delivery costs double."""
    return 5 + 2 * weight_kg
