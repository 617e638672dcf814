def anagram_groups(words):
    """Return the groups (sorted lists) of words that are anagrams of each other."""
    groups = {}
    for word in words:
        word = word.lower()
        key = "".join(sorted(word))
        if key not in groups:
            groups[key] = set()
        groups[key].add(word)
    result = []
    for group in groups.values():
        if len(group) >= 2:
            result.append(sorted(group))
    result.sort()
    return result
