def shipping_cost(weight_kg, express=False):
    """Return the shipping cost in euros; express delivery costs double."""
    cost = 5 + 2 * weight_kg
    if express:
        cost = cost * 2
    return cost
