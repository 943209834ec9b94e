"""Use cases. Each one checks the actor's role, validates, owns its transaction and writes history.

Services are the only way state changes; the web interface, the API and the command line call them.
"""
