"""Exercises as plain files: their model, loader and the student-notebook renderer."""

from .model import Exercise, TestCase
from .loader import Bank, ExerciseFormatError, ExerciseNotFound, default_bank_dir, load_exercise

__all__ = [
    "Bank",
    "Exercise",
    "ExerciseFormatError",
    "ExerciseNotFound",
    "TestCase",
    "default_bank_dir",
    "load_exercise",
]
