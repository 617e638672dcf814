"""CodeMentor in the notebook: %hint and %submit.

Loaded automatically in every kernel of an environment where CodeMentor is installed
(through etc/ipython/ipython_kernel_config.json); `%load_ext tutor_kernel_ext` works too.
"""

from .magics import TutorMagics, keep_question_marks

_magics = None


def load_ipython_extension(ipython):
    global _magics
    if _magics is not None:
        return
    _magics = TutorMagics(shell=ipython, parent=ipython)
    ipython.register_magics(_magics)
    ipython.events.register("pre_run_cell", _magics.pre_run_cell)
    ipython.events.register("post_run_cell", _magics.post_run_cell)
    ipython.input_transformers_cleanup.append(keep_question_marks)


def unload_ipython_extension(ipython):
    global _magics
    if _magics is None:
        return
    ipython.events.unregister("pre_run_cell", _magics.pre_run_cell)
    ipython.events.unregister("post_run_cell", _magics.post_run_cell)
    if keep_question_marks in ipython.input_transformers_cleanup:
        ipython.input_transformers_cleanup.remove(keep_question_marks)
    _magics = None
