def students_by_grade(grades):
    """Return a dict mapping each grade to the sorted list of students who got it."""
    groups = {}
    for student, grade in grades.items():
        if grade not in groups:
            groups[grade] = []
        groups[grade].append(student)
    for grade in groups:
        groups[grade].sort()
    return groups
