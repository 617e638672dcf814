"""The topics exercises are filed under, in teaching order."""

TOPICS = (
    "expressions",
    "strings",
    "conditionals",
    "loops",
    "functions",
    "lists",
    "dicts-and-sets",
    "comprehensions",
    "recursion",
    "classes",
    "exceptions",
    "text-processing",
    "algorithms",
)

DIFFICULTIES = ("easy", "medium", "hard")
