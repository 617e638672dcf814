def anagram_groups(words):
    """Return the groups (sorted lists) of words that are anagrams of each other."""
    groups = {}
    for word in words:
        key = "".join(sorted(word))
        groups[key] = [word]
    return list(groups.values())
