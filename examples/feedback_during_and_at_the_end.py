"""Feedback during and at the end, a health score that explains itself, and a policy update.

Northwind Studio is rebuilding Dana Whitfield's online shop. The work runs long, so:

* the feedback sweep checks in with Dana once the case has been open longer than a week
  (care rule R7), and she answers;
* the studio cannot close the case before asking for end-of-case feedback (R7); Dana's
  answer is low, which opens a service-recovery follow-up owned by a manager;
* the relationship's health is explained signal by signal before and after (R12), and the
  drop moves the relationship to "at risk" with an event on its timeline;
* the written policy gets a new version; staff must acknowledge it, and a command by
  someone who has not is flagged on the record (R11).

The story itself is ``feedback_during_and_at_the_end`` in ``relationkit.stories``
(``relationkit demo`` plays it too); read its code beside this output. Times come from a
manual clock, so the output is the same on every run::

    python examples/feedback_during_and_at_the_end.py
"""

from relationkit.stories import tell

if __name__ == "__main__":
    tell("feedback")
