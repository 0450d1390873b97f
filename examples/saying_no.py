"""Saying no well: a heated request, listened to first, answered with a reasoned "no".

Ana Ruiz's annual subscription renewed seven weeks ago and she wants the money back; the
written policy refunds only within 30 days. The story shows what relationkit enforces on
the way to a refusal:

* an early "no" is refused, because Ana has not been heard yet (care rule R1) and an
  escalated case needs a colleague's view first (R3);
* Sam restates her concern; Ana corrects it; he restates it again and she confirms;
* Sam buys time with a promised reply-by time (R3) and consults his manager; a decline
  citing a clause the policy does not have is refused (R2); the decline that gives its
  reason, cites the real clause and names its evidence is accepted;
* the case closes only after Ana was asked for feedback (R7);
* the case's timeline is printed for a person to read, and every hash chain is checked.

The story itself is ``saying_no`` in ``relationkit.stories`` (``relationkit demo`` plays it
too); read its code beside this output. Times come from a manual clock, so the output is
the same on every run::

    python examples/saying_no.py
"""

from relationkit.stories import tell

if __name__ == "__main__":
    tell("saying-no")
