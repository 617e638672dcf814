def pizzas_needed(people, slices_each):
    """Return how many 8-slice pizzas feed people who each eat slices_each slices."""
    return people * slices_each // 8
