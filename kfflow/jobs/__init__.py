"""Jobs: work that takes longer than a request, run by procrastinate (see docs/architecture.md, "Jobs")."""
