def students_by_grade(grades):
    """Return a dict mapping each grade to the sorted list of students who got it."""
    groups = {}
    for student, grade in grades.items():
        groups[grade] = [student]
    return groups
