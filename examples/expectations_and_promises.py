"""Expectations and promises: set expectations up front, then promise only what you can keep.

Lena Hoffmann, who runs an online shop from New York, asks a Berlin web agency for three
things: (A) an accessibility review, (B) a full redesign and (C) a first place on search
engines. The agency's catalogue offers a website audit that covers only A, with a lead time
of 20 business days on the Berlin office calendar (German public holidays included).

The story shows what relationkit enforces:

* a promise made before Lena's expectations are settled is refused (care rule R5);
* A is matched to the audit's scope; B and C are reset with Lena, the conversations recorded;
* a promise due in two weeks is refused, naming the earliest honest due time (R4);
* a promise due in six weeks is made, renegotiated once before it falls due (Lena is told),
  warned about by the promise sweep once 80 % of its business time has passed, and kept;
* every time is shown on the office's clock and on Lena's.

The story itself is ``expectations_and_promises`` in ``relationkit.stories``
(``relationkit demo`` plays it too); read its code beside this output. Times come from a
manual clock, so the output is the same on every run::

    python examples/expectations_and_promises.py
"""

from relationkit.stories import tell

if __name__ == "__main__":
    tell("expectations-and-promises")
