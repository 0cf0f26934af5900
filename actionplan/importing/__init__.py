"""Bring a plan in from the file a partnership already keeps (docs/importing.md).

Plain functions in steps, each its own module, none of them a view:

    reading    the file's bytes -> a Grid (rows of cells), limits checked before parsing
    tables     the Grid -> the plan's table: header row found, titles, notes and blanks dropped
    mapping    which column holds what: suggested from the header, chosen by the person
    owners     owner cells and accountable bodies matched to the roles, agencies and bodies here
    structure  the table -> a PlanDraft (levels, actions, dates) with every problem listed
    commit     a PlanDraft -> the plan in the database, in one transaction

    revision   a PlanDraft of a revised plan compared with the plan here, and applied

A revised plan's import reuses all but `commit`'s plan-making: its draft is compared with
the plan in the database (revision.py).
"""
