"""Encoded worked solutions, one ``<topic>.txt`` per topic (zlib + base85, not plain text).

Written by ``python -m coursekit edition`` from the solved notebooks; read by
``coursekit.exercises.show_solution``. Do not edit by hand.
"""
