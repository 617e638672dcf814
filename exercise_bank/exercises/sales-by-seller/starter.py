def sales_by_seller(path):
    """Return {seller: total amount sold, rounded to cents} from the CSV file at path."""
    totals = {}
    with open(path) as file:
        for line in file:
            seller, amount = line.split(",")
            totals[seller] = float(amount)
    return totals
