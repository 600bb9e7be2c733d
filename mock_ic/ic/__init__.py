"""Infinite Campus's behaviour: the rule registry, the rules, a tenant's settings, the teacher's view.

Importing the package registers every rule, so :func:`registry.switchable_rules` is complete
whichever module of the package is imported first.
"""

from mock_ic.ic import rules as rules
