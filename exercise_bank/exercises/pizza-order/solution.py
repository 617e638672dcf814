def pizzas_needed(people, slices_each):
    """Return how many 8-slice pizzas feed people who each eat slices_each slices."""
    slices = people * slices_each
    return (slices + 7) // 8
