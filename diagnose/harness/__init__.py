"""Runtime harness behind ``predlint repro`` and ``predlint inspect``: run a target under a
watchdog (or attach to a running one), dump every process's stacks when it hangs, name the cause
and the line to change, and kill the whole process tree.

The four parts: ``watchdog`` (run the target, judge progress; samples through ``tree``),
``stacks`` (py-spy, else faulthandler through ``hook/sitecustomize.py`` and ``hookfiles``, and
``wchan`` always; ``ptrace`` says why py-spy may not attach), ``classifier`` (evidence to verdict,
with ``roles`` and ``tracebacks``) and ``treekill`` (leave nothing behind). ``diagnosis`` turns
evidence into what the user reads, for both commands: the verdict, the static finding on the
user's line (``pointer``), the fix (``fixes``) and one line per process (``reading``).
``session`` runs the parts in order for one ``target``; ``attach`` does the same for a tree
predlint did not start. ``evidence`` holds the data they share, ``exitcodes`` the commands' exit
statuses, ``scenarios`` the shipped scenario scripts, and ``command`` the CLI wiring.
"""
