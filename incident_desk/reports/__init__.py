"""PDF reports and regulatory records: the incident report, the management report, OSHA Forms
300/300A/301, the OSHA ITA CSV files, and CSV/Excel exports of incident lists.

``pdf`` and ``fonts`` are the building blocks (page frame, styles, Unicode fonts);
``osha_codes`` holds every OSHA code and limit in one table.
"""
