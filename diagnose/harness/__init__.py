"""Runtime harness behind ``predlint repro``: run a target under a watchdog, dump every process's
stacks when it hangs, name the cause, and kill the whole process tree.

One job per module: ``target`` (what to run), ``watchdog`` (run it and notice a hang),
``tree`` (sample the process tree), ``stacks`` (py-spy / faulthandler / wchan), ``classifier``
(evidence to verdict), ``treekill`` (leave nothing behind), ``session`` (ties them together).
"""
