"""The national-scale synthetic dataset and the benchmark (docs/performance.md).

Both run in their own database on the same PostgreSQL server (``tuoyu_bench`` by default), never in the
portal's database: ``python manage.py generate_national`` creates and migrates it, loads the official seed
(for the national rules: class types, ratios, calendar) and then the synthetic nation; ``python manage.py
benchmark`` measures it. Dropping that database removes every synthetic row.
"""
