"""Static analysis of Python handler code: AST only, the user's code is never imported or run."""
