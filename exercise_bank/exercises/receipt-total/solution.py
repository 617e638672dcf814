def receipt_total(subtotal, tax_percent, tip_percent):
    """Return subtotal plus tax and tip (both percentages of subtotal), rounded to cents."""
    tax = subtotal * tax_percent / 100
    tip = subtotal * tip_percent / 100
    return round(subtotal + tax + tip, 2)
