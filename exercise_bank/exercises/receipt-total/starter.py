def receipt_total(subtotal, tax_percent, tip_percent):
    """Return subtotal plus tax and tip (both percentages of subtotal), rounded to cents."""
    return subtotal + tax_percent + tip_percent
