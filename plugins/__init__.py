"""In-repo plugins: each a package that reaches the core only through hooks."""
