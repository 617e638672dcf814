def sales_by_seller(path):
    """Return {seller: total amount sold, rounded to cents} from the CSV file at path."""
    totals = {}
    with open(path, encoding="utf-8") as file:
        next(file, None)
        for line in file:
            line = line.strip()
            if not line:
                continue
            seller, amount = line.split(",")
            seller = seller.strip()
            totals[seller] = totals.get(seller, 0) + float(amount)
    return {seller: round(total, 2) for seller, total in totals.items()}
