"""Management information: the approach in figures, without exposing a person.

``figures`` reads aggregate counts through the access policy, ``suppression`` protects
small cells for figures-only viewers, ``charts`` draws them (SVG on the page, the same
drawing in the PDF), ``report`` prints the management report.
"""
