def wrap(text, width):
    """Return the words of text as lines of at most width characters (greedy)."""
    lines = []
    current = ""
    for word in text.split():
        if len(current) + len(word) < width:
            current += word + " "
        else:
            lines.append(current)
            current = word + " "
    lines.append(current)
    return lines
