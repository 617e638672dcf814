"""The learner model: skill estimates, the daily choice, streaks and badges.

Pure code (no database, no server), shared by the API's services and by the simulation
benchmark (`codementor bench adaptive`), so what the benchmark measures is what students get.
"""
