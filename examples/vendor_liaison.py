"""The liaison between a client and a vendor, and a fault that comes back (care rule R8).

Harbour IT looks after Rosa Lindqvist's phones but does not make them: the handsets come
from Altus Mobile. When Rosa's phone keeps dropping calls,

* her case is opened and she is heard; the problem goes to Altus as a vendor ticket with
  Altus's own reference, and the liaison sweep notices when Rosa is owed an update;
* Altus acknowledges and sends a fix; closing the case before the fix is relayed to Rosa is
  refused; Harbour relays it in plain words, she confirms it works, and the case closes;
* three months later the same fault is back. The new case is recognised as a recurrence of
  the first and linked to it, Altus's reliability figure drops, and Rosa is told what is
  being done: Harbour is on her side and takes it up with the vendor again.

The story itself is ``vendor_liaison`` in ``relationkit.stories`` (``relationkit demo``
plays it too); read its code beside this output. Times come from a manual clock, so the
output is the same on every run::

    python examples/vendor_liaison.py
"""

from relationkit.stories import tell

if __name__ == "__main__":
    tell("vendor-liaison")
