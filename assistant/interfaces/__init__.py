"""Ways in: the command line, the browser app and access control."""
