def countdown(n):
    """Print n, n - 1, ..., 1 on separate lines, then 'Liftoff!'."""
    for i in range(n):
        print(i)
    print("Liftoff!")
