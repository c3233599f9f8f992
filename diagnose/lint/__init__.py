"""The static checker: reads Python source as an AST (never imports or runs it) and reports DLK rules."""
