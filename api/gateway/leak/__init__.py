"""The leak filter: does an answer (with what the student got before) hand out the solution?

- `views`: what a student can read out of an answer (comments, strings, decodings, spread
  characters, numbered lines in order ...);
- `opacity`: text that no view reads as prose or code (an answer holding much of it is held back);
- `javascript`: JavaScript read as the Python it translates line for line (one of those views);
- `similarity`: the reference's statement fingerprints, weighted by rarity across the bank;
- `walkthrough`: the reference told statement by statement, in any wording;
- `runnable`: the code an answer defines that could be graded as a submission;
- `judgement`: the verdict, a pure function of those measures;
- `detector`: one exercise's detector that puts them together;
- `index`: every exercise's solution fingerprinted, to find the others an answer may give away.
"""

from .detector import LeakDetector, seen_in
from .index import SolutionIndex
from .judgement import LeakCheck, hidden_share, judge
from .similarity import StatementFrequency, fingerprints

__all__ = ["LeakCheck", "LeakDetector", "SolutionIndex", "StatementFrequency", "fingerprints", "hidden_share", "judge", "seen_in"]
