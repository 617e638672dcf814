"""Isolation helpers shared by the grader (``api/grader/``) and the classroom spawner (``hub_config/``).

Standard library only: the grader's zygote loads these modules as plain scripts under
``python -I -S`` (no site-packages), and the Hub process imports them as
``codementor.isolation``. Nothing here imports another part of the project.
"""
