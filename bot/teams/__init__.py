"""Everything that speaks Bot Framework / Teams. The only package that imports `botbuilder`.

When TLC moves to the Teams SDK or the Microsoft 365 Agents SDK, this folder is what changes.
"""
