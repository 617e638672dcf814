"""Grading: run a submission's tests in a separate process and judge the observations here."""

from .grader import Grader, grade_file
from .verdict import GradeResult, TestResult

__all__ = ["GradeResult", "Grader", "TestResult", "grade_file"]
