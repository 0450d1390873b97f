"""Ending a client relationship: no one alone may do it (care rule R9).

Brightline Consulting has tried hard with Marek Nowak: he was heard, a compromise on the
disputed invoices was offered, and still every month brings a new dispute. Olivia, a
partner, proposes to part ways.

* Her proposal must cite the case that shows the attempt to resolve; without it, refused.
* She cannot approve her own proposal, and her word alone cannot end it: the end is
  refused until two colleagues approve, one of them with authority. Kofi, a manager on
  leave, lends his approval authority to Ravi for the week; Ravi may approve for Kofi, but
  nobody may approve on Olivia's behalf.
* The exit is recorded as amicable: both sides agree to disagree, and what was said in the
  exit conversation is kept on the relationship's timeline. An ended relationship takes no
  new case.

The story itself is ``ending_a_relationship`` in ``relationkit.stories``
(``relationkit demo`` plays it too); read its code beside this output. Times come from a
manual clock, so the output is the same on every run::

    python examples/ending_a_relationship.py
"""

from relationkit.stories import tell

if __name__ == "__main__":
    tell("ending-a-relationship")
