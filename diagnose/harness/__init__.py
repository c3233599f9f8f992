"""Runtime harness behind ``predlint repro``: run a target under a watchdog, dump every process's
stacks when it hangs, name the cause, and kill the whole process tree.

The four parts: ``watchdog`` (run the target, notice a hang; samples through ``tree``),
``stacks`` (py-spy, else faulthandler through ``hook/sitecustomize.py`` and ``hookfiles``, and
``wchan`` always), ``classifier`` (evidence to verdict, with ``roles`` and ``tracebacks``) and
``treekill`` (leave nothing behind). ``session`` runs them in order for one ``target``;
``evidence`` holds the data they share, ``exitcodes`` the command's exit statuses, ``scenarios``
the shipped scenario scripts, and ``command`` the CLI wiring.
"""
