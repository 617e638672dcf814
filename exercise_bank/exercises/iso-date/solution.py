MONTHS = "janfebmaraprmayjunjulaugsepoctnovdec"


def to_iso_date(text):
    """Return a date like '7 Nov 2026' written as '2026-11-07'."""
    day, month, year = text.split()
    number = MONTHS.index(month.lower()) // 3 + 1
    return year + "-" + str(number).zfill(2) + "-" + day.zfill(2)
