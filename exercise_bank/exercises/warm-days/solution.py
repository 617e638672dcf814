def warm_days(temps, threshold):
    """Return the day numbers (counting from 1) whose temperature is at least threshold."""
    days = []
    for day, temp in enumerate(temps, start=1):
        if temp >= threshold:
            days.append(day)
    return days
