def folder_size(folder):
    """Return the total size in bytes of all files in folder and its sub-folders."""
    total = 0
    for entry in folder.values():
        if not isinstance(entry, dict):
            total += entry
    return total
