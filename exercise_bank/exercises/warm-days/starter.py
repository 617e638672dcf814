def warm_days(temps, threshold):
    """Return the day numbers (counting from 1) whose temperature is at least threshold."""
    days = []
    for i in range(len(temps)):
        if temps[i] > threshold:
            days.append(i)
    return days
