def mask_card(number):
    """Return number without spaces, with every digit but the last four replaced by '*'."""
    return "*" * len(number[:-4]) + number[-4:]
