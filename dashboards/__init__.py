"""Instructor dashboards: Voila notebooks served by a Hub-managed jupyterhub-singleuser.

The notebooks read the class only through the API's /api/v1/class/... endpoints, with the
token of the instructor who opened the page (see hook.py), never from the database.
"""
