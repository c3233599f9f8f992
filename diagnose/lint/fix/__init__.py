"""``predlint check --fix``: what a fix is (:mod:`.model`), how rules build one (:mod:`.build`), applying
fixes to a source by ranges (:mod:`.apply`), fixing a file in bounded rounds (:mod:`.rounds`) and showing
what would change (:mod:`.diff`)."""
