def countdown(n):
    """Print n, n - 1, ..., 1 on separate lines, then 'Liftoff!'."""
    for i in range(n, 0, -1):
        print(i)
    print("Liftoff!")
