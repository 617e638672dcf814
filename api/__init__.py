"""The CodeMentor API: a Tornado service run by JupyterHub."""
